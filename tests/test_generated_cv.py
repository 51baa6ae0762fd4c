"""A generated cv project works as its README says: install the data-science code with the pip command
of data-science/README.md, run the project's own tests, its local training pipeline (one epoch on the CPU,
on the committed synthetic images) and its scoring script on the online endpoint's sample request.

Slow: the virtual environment gets PyTorch (torch==2.13.0, the CPU build where the machine offers one) and
MLflow, and the project's tests train small networks. The data-science code and its README are the same for
every MLOps version, so one project runs everything; the other versions are checked to give the same
README commands, data and scoring request.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

# One combination per MLOps version; the other two answers vary so that every choice appears once.
COMBINATIONS = {
    "aml-cli-v2": {"infrastructure_version": "terraform", "orchestration": "github-actions"},
    "python-sdk-v1": {"infrastructure_version": "bicep", "orchestration": "azure-devops"},
    "python-sdk-v2": {"infrastructure_version": "terraform", "orchestration": "azure-devops"},
    "rai-aml-cli-v2": {"infrastructure_version": "bicep", "orchestration": "github-actions"},
}
README = "data-science/README.md"
SAMPLE_REQUEST = "mlops/azureml/deploy/online/sample-request.json"
FENCED_SHELL = re.compile(r"^```(?:bash|sh|shell)\n(.*?)^```", re.MULTILINE | re.DOTALL)
# Variables of this test run that must not reach the project's own tools.
LEAKING = ("PYTHONPATH", "PYTHONHOME", "PYTEST_ADDOPTS", "PYTEST_PLUGINS", "VIRTUAL_ENV", "PIP_REQUIRE_VIRTUALENV")
CLASSES = ["circle", "square", "triangle"]

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("generated-cv")]


class Venv:
    """A virtual environment and how to run commands in it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.env = {name: value for name, value in os.environ.items() if name not in LEAKING}
        self.env |= {
            "VIRTUAL_ENV": str(path),
            "PATH": f"{path / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        }
        self.env = {name: value for name, value in self.env.items() if not name.startswith("MLFLOW_")}

    def run(self, command: str, cwd: Path, timeout: int) -> subprocess.CompletedProcess[str]:
        """Run a shell command of the README as a user would, with this environment activated."""
        result = subprocess.run(
            ["bash", "-c", command],
            cwd=cwd,
            env=self.env,
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


def the_command(commands: list[str], start: str) -> str:
    found = [command for command in commands if command.startswith(start)]
    assert found, f"{README} gives no command that starts with {start!r}"
    return found[0]


def render(copier, folder: Path, mlops_version: str) -> Path:
    return copier.copy(folder, project_type="cv", mlops_version=mlops_version, **COMBINATIONS[mlops_version]).path


def test_the_project_installs_tests_trains_and_scores_as_its_readme_says(copier, tmp_path: Path) -> None:
    project = render(copier, tmp_path / "p", "aml-cli-v2")
    commands = readme_commands(project)
    venv = Venv(tmp_path / "venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv.path)], check=True, capture_output=True, timeout=300)

    install = [command for command in commands if command.startswith("pip install")]
    assert install == ['pip install -e "data-science[test]"']
    venv.run(install[0], project, timeout=1200)
    assert "torch==2.13.0" in (project / "data-science" / "pyproject.toml").read_text(encoding="utf-8")

    tests = venv.run(the_command(commands, "python -m pytest"), project, timeout=900)
    summary = tests.stdout.strip().splitlines()[-1]
    assert " passed" in summary and "failed" not in summary and "error" not in summary, tests.stdout
    assert "skipped" not in summary, tests.stdout  # the committed images and the sample request are there

    runner = the_command(commands, "python data-science/src/run_local.py")
    assert "--raw-data data/images" in runner
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


@pytest.mark.parametrize("mlops_version", [version for version in COMBINATIONS if version != "aml-cli-v2"])
def test_every_mlops_version_gets_the_same_data_science_project(copier, tmp_path: Path, mlops_version: str) -> None:
    reference = render(copier, tmp_path / "reference", "aml-cli-v2")
    project = render(copier, tmp_path / "p", mlops_version)

    assert readme_commands(project) == readme_commands(reference)
    for relative in (SAMPLE_REQUEST, "data-science/pyproject.toml", "data/images/circle/circle-001.png"):
        assert (project / relative).read_bytes() == (reference / relative).read_bytes(), relative

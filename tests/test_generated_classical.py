"""A generated classical project works as its README says: install the data-science code with the pip
command of data-science/README.md, run the project's own tests and its local training pipeline.

Slow: the virtual environment gets scikit-learn, pandas and MLflow (a minute or two to install). The
dependencies are the same for every MLOps version, so one environment serves the four tests; they run in
one xdist group, so it is built once per test session.
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
FENCED_SHELL = re.compile(r"^```(?:bash|sh|shell)\n(.*?)^```", re.MULTILINE | re.DOTALL)
# Variables of this test run that must not reach the project's own tools.
LEAKING = ("PYTHONPATH", "PYTHONHOME", "PYTEST_ADDOPTS", "PYTEST_PLUGINS", "VIRTUAL_ENV", "PIP_REQUIRE_VIRTUALENV")

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("generated-classical")]


class Venv:
    """A virtual environment, the commands installed into it so far, and how to run commands in it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.installed: list[str] | None = None
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


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Venv:
    path = tmp_path_factory.mktemp("classical") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True, capture_output=True, timeout=300)
    return Venv(path)


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


@pytest.mark.parametrize("mlops_version", list(COMBINATIONS))
def test_the_project_installs_tests_and_trains_as_its_readme_says(
    copier, tmp_path: Path, venv: Venv, mlops_version: str
) -> None:
    project = copier.copy(
        tmp_path / "p", project_type="classical", mlops_version=mlops_version, **COMBINATIONS[mlops_version]
    ).path
    commands = readme_commands(project)

    install = [command for command in commands if command.startswith("pip install")]
    assert install, f"{README} gives no pip command"
    if venv.installed is None:
        for command in install:
            venv.run(command, project, timeout=1200)
        venv.installed = install
    # The environment built for the first project serves the others only if they install the same.
    assert install == venv.installed

    tests = venv.run(the_command(commands, "python -m pytest"), project, timeout=600)
    summary = tests.stdout.strip().splitlines()[-1]
    assert " passed" in summary and "failed" not in summary and "error" not in summary, tests.stdout

    runner = the_command(commands, "python data-science/src/run_local.py")
    assert "--raw-data data/taxi-trips.csv" in runner
    trained = venv.run(runner, project, timeout=600)
    assert "promotion decision:" in trained.stdout
    output = Path(re.search(r"--output (\S+)", runner).group(1))
    decision = json.loads((project / output / "evaluation" / "decision.json").read_text(encoding="utf-8"))
    assert decision["promote"] is True  # a first run has no production model to beat
    assert decision["candidate"]["rmse"] > 0 and decision["production"] is None
    registration = json.loads((project / output / "registration" / "registration.json").read_text(encoding="utf-8"))
    assert (registration["registered"], registration["name"], registration["version"]) == (True, "taxi-fare-model", "1")

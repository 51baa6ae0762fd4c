"""What the slow tests of generated projects share: the shell commands of a project's data-science README, a
virtual environment that runs them as a user would (``Venv``), and the one the cv and nlp tests share.

Both project types pin the same torch and torchvision releases; installing them is most of the cost of
those tests (minutes, several GB). So one environment is made per test session, torch and torchvision first,
and each test installs its own project into it with the pip command of the project's README, as a user
would. The tests that use it run in one xdist group (``XDIST_GROUP``), so in one worker, one after another.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

XDIST_GROUP = "generated-torch"
# The releases both project types pin (data-science/pyproject.toml of subtrees/types/cv and nlp).
TORCH_PINS = ("torch==2.14.1", "torchvision==0.29.1")
# Variables of this test run that must not reach the project's own tools.
LEAKING = ("PYTHONPATH", "PYTHONHOME", "PYTEST_ADDOPTS", "PYTEST_PLUGINS", "VIRTUAL_ENV", "PIP_REQUIRE_VIRTUALENV")
FENCED_SHELL = re.compile(r"^```(?:bash|sh|shell)\n(.*?)^```", re.MULTILINE | re.DOTALL)
README = "data-science/README.md"


class Venv:
    """A virtual environment and how to run a README command in it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        env = {name: value for name, value in os.environ.items() if name not in LEAKING}
        env |= {
            "VIRTUAL_ENV": str(path),
            "PATH": f"{path / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        }
        self.env = {name: value for name, value in env.items() if not name.startswith(("MLFLOW_", "TORCH_HOME"))}

    def run(self, command: str, cwd: Path, timeout: int) -> subprocess.CompletedProcess[str]:
        """Run a shell command as a user would, with this environment activated; fail the test if it fails."""
        started = time.perf_counter()
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
        print(f"{time.perf_counter() - started:7.1f} s  {command[:100]}")
        assert result.returncode == 0, f"`{command}` failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        return result


@pytest.fixture(scope="session")
def torch_venv(tmp_path_factory: pytest.TempPathFactory) -> Venv:
    """One virtual environment with torch and torchvision, made once per session."""
    venv = Venv(tmp_path_factory.mktemp("torch-venv") / "venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv.path)], check=True, capture_output=True, timeout=300)
    venv.run("pip install --quiet " + " ".join(TORCH_PINS), Path.cwd(), timeout=1800)
    return venv


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

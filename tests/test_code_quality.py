"""The factory's own Python passes ruff with the settings in pyproject.toml."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


def test_ruff_finds_nothing_in_the_factory_code():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "extensions", "tests", "scripts", "benchmarks"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr

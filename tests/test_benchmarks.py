"""benchmarks/run.py keeps working as the template changes (its numbers are read by hand, not here)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_one_run_of_every_measurement_gives_the_whole_table(tmp_path: Path) -> None:
    table = tmp_path / "results.md"
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks/run.py"), "--runs", "1", "--skip-tests", "--output", str(table)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    rows = dict(re.findall(r"^\| (.+?) \| (.+?) \|", table.read_text(), re.MULTILINE))
    for measurement in (
        "copy, built-in source, defaults (incl. git init + first commit)",
        "floor: Copier copying the same tree as a plain template",
        "floor in a repository as large as the factory's (plain template + the factory's files)",
        "update 1.0.0 -> 1.1.0 (one changed file)",
        "update floor: the same update of the plain template in a repository as large as the factory's",
        "copy from a fork, cold cache",
        "copy from a fork, warm cache",
    ):
        assert re.fullmatch(r"\d+\.\d\d s", rows[measurement]), (measurement, rows.get(measurement))
    fetched = int(rows["bytes a cold fork fetch transfers"].removesuffix(" KiB"))
    assert 0 < fetched < 1024  # the chosen subtrees, not the 4 MB of the whole fork

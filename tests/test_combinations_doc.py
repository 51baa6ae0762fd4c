"""docs/combinations.md says what each of the 48 combinations generates; it must match the template source."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


def test_the_combinations_page_is_current():
    completed = subprocess.run(
        [sys.executable, str(ROOT / "scripts/combinations_table.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr

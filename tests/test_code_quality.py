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


def test_no_tracked_file_holds_a_merge_conflict_marker():
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    marked = []
    for name in filter(None, tracked.decode().split("\0")):
        path = ROOT / name
        if not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        for number, line in enumerate(path.read_bytes().splitlines(), start=1):
            if line.startswith((b"<<<<<<< ", b">>>>>>> ")) or line == b"<<<<<<<":
                marked.append(f"{name}:{number}")
    assert not marked, f"unresolved merge conflict markers: {marked}"

"""Tests of the prep step that hold for every project type: the same seed gives the same split and another
seed another, and input that cannot be split is refused with one error line. The project type's conftest.py
provides raw_data (step_fixtures.py)."""

from __future__ import annotations

from pathlib import Path

import prep
import pytest


def run_prep(raw: Path, out: Path, *extra: str) -> int:
    return prep.main(
        ["--raw-data", str(raw), "--train-data", str(out / "train"), "--test-data", str(out / "test"), *extra]
    )


def contents(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` by its path inside it."""
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def test_the_same_seed_gives_the_same_split(tmp_path: Path, raw_data: Path) -> None:
    for name, seed in (("a", "1"), ("b", "1"), ("c", "2")):
        assert run_prep(raw_data, tmp_path / name, "--seed", seed) == 0

    assert contents(tmp_path / "a" / "train") == contents(tmp_path / "b" / "train")
    assert contents(tmp_path / "a" / "test") == contents(tmp_path / "b" / "test")
    assert contents(tmp_path / "a" / "test") != contents(tmp_path / "c" / "test")


@pytest.mark.parametrize("test_size", ["0", "1", "1.5"])
def test_rejects_a_test_share_outside_0_and_1(
    tmp_path: Path, raw_data: Path, capsys: pytest.CaptureFixture[str], test_size: str
) -> None:
    with pytest.raises(SystemExit) as stopped:
        run_prep(raw_data, tmp_path / "out", "--test-size", test_size)

    assert stopped.value.code == 2
    assert f"argument --test-size: must lie between 0 and 1, not {test_size}" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_rejects_a_missing_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_prep(tmp_path / "missing", tmp_path / "out") == 1
    error = capsys.readouterr().err.strip()
    assert error.startswith("error: ") and "does not exist" in error and "\n" not in error
    assert not (tmp_path / "out").exists()

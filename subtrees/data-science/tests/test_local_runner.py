"""Tests of run_local.py that hold for every project type: the flags it does not take itself go to train.py.
The project type's conftest.py provides raw_data (step_fixtures.py); test_run_local.py runs it end to end."""

from __future__ import annotations

from pathlib import Path

import pytest
import run_local


def test_a_flag_that_train_py_does_not_take_either_stops_the_run_at_the_train_step(
    tmp_path: Path, raw_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--raw-data", str(raw_data), "--output", str(tmp_path / "out"), "--no-such-flag", "1"]

    assert run_local.main(argv) == 2

    error = capsys.readouterr().err
    assert "unrecognized arguments: --no-such-flag 1" in error
    assert "error: the train step failed (exit code 2)" in error
    assert (tmp_path / "out" / "train").is_dir()  # prep ran
    assert not (tmp_path / "out" / "evaluation").exists()


def test_the_runs_own_flags_are_never_taken_for_abbreviations(capsys: pytest.CaptureFixture[str]) -> None:
    args, train_flags = run_local.parse_args(["--raw-data", "data", "--model", "x", "--min", "0.1"])

    assert train_flags == ["--model", "x", "--min", "0.1"]
    assert args.model_name != "x" and args.min_improvement == 0.0

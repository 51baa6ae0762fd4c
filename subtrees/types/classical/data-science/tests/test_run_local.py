"""End to end: the local runner on the committed sample data, twice."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import common
import pytest
import run_local
from step_fixtures import STEP_RUNS, tracked_by_run_local


def read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_runs_the_pipeline_and_gates_the_registration(
    tmp_path: Path, sample_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "outputs"

    assert run_local.main(["--raw-data", str(sample_data), "--output", str(output)]) == 0

    decision = read(output / "evaluation" / "decision.json")
    assert decision["promote"] is True
    assert decision["candidate"]["r2"] > 0.9  # the sample's fares follow distance and time closely
    assert read(output / "evaluation" / "metrics.json")["test_rows"] == 80
    assert read(output / "registration" / "registration.json")["version"] == "1"
    assert "promotion decision: promote" in capsys.readouterr().out
    assert (output / "mlflow.db").is_file()

    # The same data and seed again give the same model: no improvement, so it is not registered.
    shutil.copytree(output / "model", tmp_path / "production")
    argv = ["--raw-data", str(sample_data), "--output", str(output), "--production-model", str(tmp_path / "production")]
    assert run_local.main(argv) == 0

    decision = read(output / "evaluation" / "decision.json")
    assert decision["promote"] is False
    assert decision["production"]["rmse"] == decision["candidate"]["rmse"]
    registration = read(output / "registration" / "registration.json")
    assert registration["registered"] is False
    assert "promotion decision: do not promote" in capsys.readouterr().out

    # Everything was tracked in the store under --output: one pipeline run per call, each with four steps.
    versions, runs = tracked_by_run_local(output, common.LOCAL_EXPERIMENT, common.MODEL_NAME)
    assert versions == ["1"]
    assert {name: len(found) for name, found in runs.items()} == dict.fromkeys(STEP_RUNS, 2)


def test_stops_at_a_failing_step(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bad.csv").write_text("distance_km,fare_amount\n1.0,5.0\n")

    assert run_local.main(["--raw-data", str(tmp_path / "bad.csv"), "--output", str(tmp_path / "out")]) == 1
    assert "the prep step failed" in capsys.readouterr().err
    assert not (tmp_path / "out" / "model").exists()

"""End to end: the local runner on the committed sample image set, twice."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import common
import pytest
import run_local
from step_fixtures import STEP_RUNS, tracked_by_run_local

# One short epoch at the sample's own size: this tests the wiring, test_evaluate tests learning.
QUICK = ["--epochs", "1", "--image-size", "32", "--base-model", "resnet18"]


def read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_runs_the_pipeline_and_gates_the_registration(
    tmp_path: Path, sample_images: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "outputs"

    assert run_local.main(["--raw-data", str(sample_images), "--output", str(output), *QUICK]) == 0

    decision = read(output / "evaluation" / "decision.json")
    assert decision["promote"] is True
    assert set(decision["candidate"]["per_class"]) == {"circle", "square", "triangle"}
    assert read(output / "evaluation" / "metrics.json")["test_images"] == 9  # a quarter of 12 per class
    assert read(output / "registration" / "registration.json")["version"] == "1"
    assert "promotion decision: promote" in capsys.readouterr().out
    assert (output / "mlflow.db").is_file()

    # The same images and seed again give the same model: no improvement, so it is not registered.
    shutil.copytree(output / "model", tmp_path / "production")
    argv = [
        "--raw-data",
        str(sample_images),
        "--output",
        str(output),
        "--production-model",
        str(tmp_path / "production"),
    ]
    assert run_local.main([*argv, *QUICK]) == 0

    decision = read(output / "evaluation" / "decision.json")
    assert decision["promote"] is False
    assert decision["production"]["accuracy"] == decision["candidate"]["accuracy"]
    registration = read(output / "registration" / "registration.json")
    assert registration["registered"] is False
    assert "promotion decision: do not promote" in capsys.readouterr().out

    # Everything was tracked in the store under --output: one pipeline run per call, each with four steps.
    versions, runs = tracked_by_run_local(output, common.LOCAL_EXPERIMENT, common.MODEL_NAME)
    assert versions == ["1"]
    assert {name: len(found) for name, found in runs.items()} == dict.fromkeys(STEP_RUNS, 2)


def test_stops_at_a_failing_step(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "one-class" / "cat").mkdir(parents=True)

    assert run_local.main(["--raw-data", str(tmp_path / "one-class"), "--output", str(tmp_path / "out")]) == 1
    assert "the prep step failed" in capsys.readouterr().err
    assert not (tmp_path / "out" / "model").exists()

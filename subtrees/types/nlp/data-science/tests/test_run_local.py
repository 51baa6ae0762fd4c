"""End to end: the local runner on the committed sample data, with the small offline model."""

from __future__ import annotations

import json
from pathlib import Path

import common
import pytest
import run_local
from step_fixtures import STEP_RUNS, tracked_by_run_local

QUICK = ["--max-steps", "16", "--learning-rate", "1e-4", "--max-length", "48"]


def read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_runs_the_pipeline_and_gates_the_registration(
    tmp_path: Path, sample_data: Path, base_model: Path, trained_model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "outputs"
    argv = ["--raw-data", str(sample_data), "--output", str(output), "--base-model", str(base_model), *QUICK]
    # A production model that classifies (nearly) every test review right: the quick candidate does not beat it.
    argv += ["--production-model", str(trained_model)]

    assert run_local.main(argv) == 0

    out = capsys.readouterr().out
    assert [line for line in out.splitlines() if line.startswith("--- ")] == [
        "--- prep",
        "--- train",
        "--- evaluate",
        "--- register",
        "--- result",
    ]
    metrics = read(output / "evaluation" / "metrics.json")
    assert metrics["test_rows"] == 46
    assert metrics["candidate"]["accuracy"] > 0.8
    assert metrics["production"]["f1_macro"] > 0.9
    decision = read(output / "evaluation" / "decision.json")
    assert decision["promote"] is False
    assert read(output / "registration" / "registration.json")["registered"] is False
    assert "promotion decision: do not promote" in out
    assert (output / "model" / "MLmodel").is_file()

    # Everything was tracked in the store under --output: one pipeline run with four step runs, no model version.
    versions, runs = tracked_by_run_local(output, common.LOCAL_EXPERIMENT, common.MODEL_NAME)
    assert versions == []
    assert {name: len(found) for name, found in runs.items()} == dict.fromkeys(STEP_RUNS, 1)
    train_run = runs["train"][0]
    assert train_run.data.params["base_model"] == str(base_model)


def test_stops_at_a_failing_step(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bad.csv").write_text("review,label\nfine,positive\n")

    assert run_local.main(["--raw-data", str(tmp_path / "bad.csv"), "--output", str(tmp_path / "out")]) == 1
    assert "the prep step failed" in capsys.readouterr().err
    assert not (tmp_path / "out" / "model").exists()

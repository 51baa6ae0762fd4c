"""Tests of the taxi-fare evaluate step: what it measures. The promotion rule and the outputs every project
type shares are tested in test_evaluation.py."""

from __future__ import annotations

import json
from pathlib import Path

import evaluate
import pandas as pd
import pytest
from common import TARGET, features, regression_metrics
from evaluate import load_model


def test_measures_the_errors_of_both_models_on_the_test_rows(
    tmp_path: Path, split_data: tuple[Path, Path], better_model: Path, worse_model: Path
) -> None:
    argv = ["--model-input", str(better_model), "--test-data", str(split_data[1])]
    argv += ["--evaluation-output", str(tmp_path / "e"), "--production-model", str(worse_model)]

    assert evaluate.main(argv) == 0

    metrics = json.loads((tmp_path / "e" / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["test_rows"] == 30
    assert set(metrics["candidate"]) == set(metrics["production"]) == {"rmse", "mae", "r2"}
    test = pd.read_csv(split_data[1] / "data.csv")
    expected = regression_metrics(test[TARGET], load_model(str(better_model)).predict(features(test)))
    assert metrics["candidate"] == pytest.approx(expected)
    assert metrics["candidate"]["r2"] > metrics["production"]["r2"]

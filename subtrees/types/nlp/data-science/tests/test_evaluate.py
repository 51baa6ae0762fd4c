"""Tests of the review-sentiment evaluate step: what it measures. The promotion rule and the outputs every
project type shares are tested in test_evaluation.py."""

from __future__ import annotations

import json
from pathlib import Path

import evaluate
import pytest
from common import classification_metrics


def test_measures_accuracy_and_macro_f1_on_the_test_rows(
    tmp_path: Path, split_data: tuple[Path, Path], trained_model: Path
) -> None:
    argv = ["--model-input", str(trained_model), "--test-data", str(split_data[1])]

    assert evaluate.main([*argv, "--evaluation-output", str(tmp_path / "evaluation")]) == 0

    metrics = json.loads((tmp_path / "evaluation" / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["test_rows"] == 31
    assert set(metrics["candidate"]) == {"accuracy", "f1_macro"}
    assert metrics["candidate"]["accuracy"] >= 0.9  # a few steps suffice on reviews this plain
    assert metrics["production"] is None


def test_macro_f1_weighs_every_label_equally() -> None:
    actual = ["a"] * 8 + ["b"] * 2
    always_a = classification_metrics(actual, ["a"] * 10)

    assert always_a["accuracy"] == pytest.approx(0.8)
    assert always_a["f1_macro"] == pytest.approx((2 * 0.8 / 1.8 + 0) / 2)
    assert classification_metrics(actual, actual) == {"accuracy": 1.0, "f1_macro": 1.0}

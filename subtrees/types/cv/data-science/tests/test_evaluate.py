"""Tests of the image-classifier evaluate step: the per-class metrics. The promotion rule and the outputs every
project type shares are tested in test_evaluation.py."""

from __future__ import annotations

import json
from pathlib import Path

import evaluate
import mlflow
import pytest
from common import classification_metrics


def run_evaluate(model: Path, test_data: Path, output: Path, *extra: str) -> int:
    argv = ["--model-input", str(model), "--test-data", str(test_data), "--evaluation-output", str(output)]
    return evaluate.main([*argv, *extra])


def test_reports_every_class_of_both_models(
    tmp_path: Path, split_data: tuple[Path, Path], good_model: Path, untrained_model: Path
) -> None:
    with mlflow.start_run() as run:
        code = run_evaluate(good_model, split_data[1], tmp_path / "e", "--production-model", str(untrained_model))

    assert code == 0
    metrics = json.loads((tmp_path / "e" / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["test_images"] == 24
    assert metrics["classes"] == ["circle", "square", "triangle"]
    candidate = metrics["candidate"]
    assert set(candidate) == {"accuracy", "precision_macro", "recall_macro", "f1_macro", "per_class"}
    assert set(candidate["per_class"]) == {"circle", "square", "triangle"}
    assert all(scores["support"] == 8 for scores in candidate["per_class"].values())
    assert candidate["accuracy"] > 0.6  # the shapes are told apart far better than by chance (1/3)
    logged = mlflow.get_run(run.info.run_id).data.metrics
    assert logged["candidate_f1.circle"] == pytest.approx(candidate["per_class"]["circle"]["f1"])
    assert logged["production_f1_macro"] == pytest.approx(metrics["production"]["f1_macro"])


def test_the_required_improvement_is_a_share(
    tmp_path: Path, split_data: tuple[Path, Path], untrained_model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_evaluate(untrained_model, split_data[1], tmp_path / "e", "--min-improvement", "2") == 1
    assert "--min-improvement must lie between 0 and 1" in capsys.readouterr().err


def test_per_class_metrics_of_known_answers() -> None:
    actual = ["cat", "cat", "cat", "dog", "dog", "fox"]
    predicted = ["cat", "cat", "dog", "dog", "cat", "cat"]

    metrics = classification_metrics(actual, predicted, classes=["cat", "dog", "fox", "owl"])

    assert metrics["accuracy"] == pytest.approx(3 / 6)
    assert metrics["per_class"]["cat"] == pytest.approx({"precision": 0.5, "recall": 2 / 3, "f1": 4 / 7, "support": 3})
    assert metrics["per_class"]["dog"] == pytest.approx({"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2})
    assert metrics["per_class"]["fox"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert metrics["per_class"]["owl"]["support"] == 0  # a class without test images is listed, not averaged
    assert metrics["f1_macro"] == pytest.approx((4 / 7 + 0.5 + 0.0) / 3)

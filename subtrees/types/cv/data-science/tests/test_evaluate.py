"""Tests of the evaluate step: the per-class metrics and the promotion decision."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import evaluate
import mlflow
import pytest
from common import classification_metrics


def run_evaluate(model: Path, test_data: Path, output: Path, *extra: str) -> int:
    argv = ["--model-input", str(model), "--test-data", str(test_data), "--evaluation-output", str(output)]
    return evaluate.main([*argv, *extra])


def read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_promotes_the_first_model_and_reports_every_class(
    tmp_path: Path, split_data: tuple[Path, Path], good_model: Path
) -> None:
    assert run_evaluate(good_model, split_data[1], tmp_path / "evaluation") == 0

    metrics = read(tmp_path / "evaluation" / "metrics.json")
    decision = read(tmp_path / "evaluation" / "decision.json")
    assert metrics["test_images"] == 24
    assert metrics["classes"] == ["circle", "square", "triangle"]
    assert metrics["production"] is None
    candidate = metrics["candidate"]
    assert set(candidate) == {"accuracy", "precision_macro", "recall_macro", "f1_macro", "per_class"}
    assert set(candidate["per_class"]) == {"circle", "square", "triangle"}
    assert all(scores["support"] == 8 for scores in candidate["per_class"].values())
    assert candidate["accuracy"] > 0.6  # the shapes are told apart far better than by chance (1/3)
    assert decision == {"promote": True, "reason": decision["reason"], "candidate": candidate, "production": None}
    assert "first model" in decision["reason"]


def test_does_not_promote_a_candidate_worse_than_production(
    tmp_path: Path, split_data: tuple[Path, Path], good_model: Path, untrained_model: Path
) -> None:
    with mlflow.start_run() as run:
        code = run_evaluate(
            untrained_model, split_data[1], tmp_path / "evaluation", "--production-model", str(good_model)
        )

    assert code == 0
    decision = read(tmp_path / "evaluation" / "decision.json")
    assert decision["promote"] is False
    assert decision["candidate"]["accuracy"] < decision["production"]["accuracy"]
    assert decision["reason"].startswith("not promoted")
    logged = mlflow.get_run(run.info.run_id).data.metrics
    assert logged["promote"] == 0
    assert logged["candidate_accuracy"] == pytest.approx(decision["candidate"]["accuracy"])
    assert logged["production_accuracy"] == pytest.approx(decision["production"]["accuracy"])
    assert logged["candidate_f1.circle"] == pytest.approx(decision["candidate"]["per_class"]["circle"]["f1"])


def test_promotes_a_candidate_better_than_production(
    tmp_path: Path, split_data: tuple[Path, Path], good_model: Path, untrained_model: Path
) -> None:
    production = ("--production-model", str(untrained_model))

    assert run_evaluate(good_model, split_data[1], tmp_path / "e", *production) == 0
    decision = read(tmp_path / "e" / "decision.json")
    assert decision["promote"] is True
    assert decision["reason"].startswith("promoted")
    gain = decision["candidate"]["accuracy"] - decision["production"]["accuracy"]
    # Asking for more improvement than the candidate brings keeps production.
    assert (
        run_evaluate(good_model, split_data[1], tmp_path / "f", *production, "--min-improvement", f"{gain + 0.01}") == 0
    )
    assert read(tmp_path / "f" / "decision.json")["promote"] is False


def test_finds_the_model_inside_a_mounted_folder(
    tmp_path: Path, split_data: tuple[Path, Path], good_model: Path
) -> None:
    shutil.copytree(good_model, tmp_path / "mounted" / "image-classifier" / "model")  # as Azure ML may mount it

    argv = ("--production-model", str(good_model))
    assert run_evaluate(tmp_path / "mounted", split_data[1], tmp_path / "e", *argv) == 0
    assert read(tmp_path / "e" / "decision.json")["promote"] is False  # the same model is no improvement


def test_a_registry_model_that_does_not_exist_yet_counts_as_none(
    tmp_path: Path, split_data: tuple[Path, Path], untrained_model: Path
) -> None:
    uri = "models:/never-registered@production"

    assert run_evaluate(untrained_model, split_data[1], tmp_path / "e", "--production-model", uri) == 0
    decision = read(tmp_path / "e" / "decision.json")
    assert decision["promote"] is True
    assert uri in decision["reason"]


@pytest.mark.parametrize(
    ("candidate", "production", "min_improvement", "promote"),
    [
        (0.8, None, 0.0, True),
        (0.8, 0.7, 0.0, True),
        (0.8, 0.7, 0.1, True),
        (0.8, 0.7, 0.15, False),
        (0.8, 0.8, 0.0, False),  # the same accuracy again is no reason to replace production
        (0.7, 0.8, 0.0, False),
    ],
)
def test_decision_rule(candidate: float, production: float | None, min_improvement: float, promote: bool) -> None:
    production_metrics = None if production is None else {"accuracy": production}
    decision = evaluate.decide({"accuracy": candidate}, production_metrics, min_improvement, None)

    assert decision["promote"] is promote


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


def test_rejects_a_missing_model_or_production_folder(
    tmp_path: Path, split_data: tuple[Path, Path], untrained_model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_evaluate(tmp_path / "nothing", split_data[1], tmp_path / "e") == 1
    assert "does not exist" in capsys.readouterr().err
    missing = str(tmp_path / "no-production")
    assert run_evaluate(untrained_model, split_data[1], tmp_path / "e", "--production-model", missing) == 1
    assert not (tmp_path / "e").exists()

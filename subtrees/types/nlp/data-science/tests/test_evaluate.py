"""Tests of the evaluate step: the metrics and the promotion decision."""

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


def test_promotes_the_first_model(tmp_path: Path, split_data: tuple[Path, Path], trained_model: Path) -> None:
    assert run_evaluate(trained_model, split_data[1], tmp_path / "evaluation") == 0

    metrics = read(tmp_path / "evaluation" / "metrics.json")
    decision = read(tmp_path / "evaluation" / "decision.json")
    assert metrics["test_rows"] == 31
    assert set(metrics["candidate"]) == {"accuracy", "f1_macro"}
    assert metrics["candidate"]["accuracy"] >= 0.9  # a few steps suffice on reviews this plain
    assert metrics["production"] is None
    assert decision == {
        "promote": True,
        "reason": decision["reason"],
        "candidate": metrics["candidate"],
        "production": None,
    }
    assert "first model" in decision["reason"]


def test_does_not_promote_a_candidate_worse_than_production(
    tmp_path: Path, split_data: tuple[Path, Path], trained_model: Path, untrained_model: Path
) -> None:
    with mlflow.start_run() as run:
        code = run_evaluate(
            untrained_model, split_data[1], tmp_path / "evaluation", "--production-model", str(trained_model)
        )

    assert code == 0
    decision = read(tmp_path / "evaluation" / "decision.json")
    assert decision["promote"] is False
    assert decision["candidate"]["f1_macro"] < decision["production"]["f1_macro"]
    assert decision["reason"].startswith("not promoted")
    logged = mlflow.get_run(run.info.run_id).data.metrics
    assert logged["promote"] == 0
    assert logged["candidate_f1_macro"] == pytest.approx(decision["candidate"]["f1_macro"])
    assert logged["production_f1_macro"] == pytest.approx(decision["production"]["f1_macro"])


def test_promotes_a_candidate_better_than_production_by_enough(
    tmp_path: Path, split_data: tuple[Path, Path], trained_model: Path, untrained_model: Path
) -> None:
    production = ("--production-model", str(untrained_model))
    assert run_evaluate(trained_model, split_data[1], tmp_path / "e", *production) == 0
    decision = read(tmp_path / "e" / "decision.json")
    assert decision["promote"] is True
    assert decision["reason"].startswith("promoted")
    gain = decision["candidate"]["f1_macro"] - decision["production"]["f1_macro"]
    # Asking for more improvement than the candidate brings keeps production.
    assert (
        run_evaluate(
            trained_model, split_data[1], tmp_path / "f", *production, "--min-improvement", f"{gain + 0.01:.4f}"
        )
        == 0
    )
    assert read(tmp_path / "f" / "decision.json")["promote"] is False


def test_finds_the_model_inside_a_mounted_folder(
    tmp_path: Path, split_data: tuple[Path, Path], trained_model: Path
) -> None:
    shutil.copytree(trained_model, tmp_path / "mounted" / "review-sentiment-model" / "model")

    argv = ("--production-model", str(trained_model))
    assert run_evaluate(tmp_path / "mounted", split_data[1], tmp_path / "e", *argv) == 0
    assert read(tmp_path / "e" / "decision.json")["promote"] is False  # the same model is no improvement


def test_a_registry_model_that_does_not_exist_yet_counts_as_none(
    tmp_path: Path, split_data: tuple[Path, Path], trained_model: Path
) -> None:
    uri = "models:/never-registered@production"

    assert run_evaluate(trained_model, split_data[1], tmp_path / "e", "--production-model", uri) == 0
    decision = read(tmp_path / "e" / "decision.json")
    assert decision["promote"] is True
    assert uri in decision["reason"]


@pytest.mark.parametrize(
    ("candidate", "production", "min_improvement", "promote"),
    [
        (0.8, None, 0.0, True),
        (0.8, 0.7, 0.0, True),
        (0.8, 0.7, 0.1, True),
        (0.8, 0.7, 0.2, False),
        (0.8, 0.8, 0.0, False),  # the same score again is no reason to replace production
        (0.7, 0.8, 0.0, False),
    ],
)
def test_decision_rule(candidate: float, production: float | None, min_improvement: float, promote: bool) -> None:
    production_metrics = None if production is None else {"f1_macro": production}
    decision = evaluate.decide({"f1_macro": candidate}, production_metrics, min_improvement, None)

    assert decision["promote"] is promote


def test_macro_f1_weighs_every_label_equally() -> None:
    actual = ["a"] * 8 + ["b"] * 2
    always_a = classification_metrics(actual, ["a"] * 10)

    assert always_a["accuracy"] == pytest.approx(0.8)
    assert always_a["f1_macro"] == pytest.approx((2 * 0.8 / 1.8 + 0) / 2)
    assert classification_metrics(actual, actual) == {"accuracy": 1.0, "f1_macro": 1.0}


def test_rejects_a_missing_model_or_production_folder(
    tmp_path: Path, split_data: tuple[Path, Path], trained_model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_evaluate(tmp_path / "nothing", split_data[1], tmp_path / "e") == 1
    assert "does not exist" in capsys.readouterr().err
    missing = str(tmp_path / "no-production")
    assert run_evaluate(trained_model, split_data[1], tmp_path / "e", "--production-model", missing) == 1
    assert not (tmp_path / "e").exists()

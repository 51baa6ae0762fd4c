"""Tests of the evaluate step: the metrics and the promotion decision."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import evaluate
import mlflow
import pytest

WEAK_FOREST = ("--n-estimators", "1", "--max-depth", "1")


def run_evaluate(model: Path, test_data: Path, output: Path, *extra: str) -> int:
    argv = ["--model-input", str(model), "--test-data", str(test_data), "--evaluation-output", str(output)]
    return evaluate.main([*argv, *extra])


def read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_promotes_the_first_model(
    tmp_path: Path, split_data: tuple[Path, Path], train_model: Callable[..., Path]
) -> None:
    assert run_evaluate(train_model(), split_data[1], tmp_path / "evaluation") == 0

    metrics = read(tmp_path / "evaluation" / "metrics.json")
    decision = read(tmp_path / "evaluation" / "decision.json")
    assert metrics["test_rows"] == 30
    assert set(metrics["candidate"]) == {"rmse", "mae", "r2"}
    assert metrics["production"] is None
    assert decision == {
        "promote": True,
        "reason": decision["reason"],
        "candidate": metrics["candidate"],
        "production": None,
    }
    assert "first model" in decision["reason"]


def test_does_not_promote_a_candidate_worse_than_production(
    tmp_path: Path, split_data: tuple[Path, Path], train_model: Callable[..., Path]
) -> None:
    production = train_model("production")
    candidate = train_model("candidate", *WEAK_FOREST)

    with mlflow.start_run() as run:
        code = run_evaluate(candidate, split_data[1], tmp_path / "evaluation", "--production-model", str(production))

    assert code == 0
    decision = read(tmp_path / "evaluation" / "decision.json")
    assert decision["promote"] is False
    assert decision["candidate"]["rmse"] > decision["production"]["rmse"]
    assert decision["reason"].startswith("not promoted")
    logged = mlflow.get_run(run.info.run_id).data.metrics
    assert logged["promote"] == 0
    assert logged["candidate_rmse"] == pytest.approx(decision["candidate"]["rmse"])
    assert logged["production_rmse"] == pytest.approx(decision["production"]["rmse"])


def test_promotes_a_candidate_better_than_production(
    tmp_path: Path, split_data: tuple[Path, Path], train_model: Callable[..., Path]
) -> None:
    production = train_model("production", *WEAK_FOREST)
    candidate = train_model("candidate")

    assert run_evaluate(candidate, split_data[1], tmp_path / "e", "--production-model", str(production)) == 0
    decision = read(tmp_path / "e" / "decision.json")
    assert decision["promote"] is True
    assert decision["reason"].startswith("promoted")
    gain = decision["production"]["rmse"] - decision["candidate"]["rmse"]
    # Asking for more improvement than the candidate brings keeps production.
    stricter = ("--production-model", str(production), "--min-improvement", f"{gain + 0.01:.4f}")
    assert run_evaluate(candidate, split_data[1], tmp_path / "f", *stricter) == 0
    assert read(tmp_path / "f" / "decision.json")["promote"] is False


def test_finds_the_model_inside_a_mounted_folder(
    tmp_path: Path, split_data: tuple[Path, Path], train_model: Callable[..., Path]
) -> None:
    model = train_model("mounted/taxi-fare-model/model")  # Azure ML may mount a model one folder deeper

    assert run_evaluate(tmp_path / "mounted", split_data[1], tmp_path / "e", "--production-model", str(model)) == 0
    assert read(tmp_path / "e" / "decision.json")["promote"] is False  # the same model is no improvement


def test_a_registry_model_that_does_not_exist_yet_counts_as_none(
    tmp_path: Path, split_data: tuple[Path, Path], train_model: Callable[..., Path]
) -> None:
    uri = "models:/never-registered@production"

    assert run_evaluate(train_model(), split_data[1], tmp_path / "e", "--production-model", uri) == 0
    decision = read(tmp_path / "e" / "decision.json")
    assert decision["promote"] is True
    assert uri in decision["reason"]


@pytest.mark.parametrize(
    ("candidate", "production", "min_improvement", "promote"),
    [
        (2.0, None, 0.0, True),
        (2.0, 2.5, 0.0, True),
        (2.0, 2.5, 0.5, True),
        (2.0, 2.5, 0.6, False),
        (2.0, 2.0, 0.0, False),  # the same error again is no reason to replace production
        (2.5, 2.0, 0.0, False),
    ],
)
def test_decision_rule(candidate: float, production: float | None, min_improvement: float, promote: bool) -> None:
    production_metrics = None if production is None else {"rmse": production}
    decision = evaluate.decide({"rmse": candidate}, production_metrics, min_improvement, None)

    assert decision["promote"] is promote


def test_rejects_a_missing_model_or_production_folder(
    tmp_path: Path, split_data: tuple[Path, Path], train_model: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_evaluate(tmp_path / "nothing", split_data[1], tmp_path / "e") == 1
    assert "does not exist" in capsys.readouterr().err
    missing = str(tmp_path / "no-production")
    assert run_evaluate(train_model(), split_data[1], tmp_path / "e", "--production-model", missing) == 1
    assert not (tmp_path / "e").exists()

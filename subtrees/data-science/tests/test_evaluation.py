"""Tests of the evaluate step's rule and outputs, the same for every project type (evaluation.py), run on the
type's own evaluate.py. The project type's conftest.py provides split_data, better_model and worse_model
(step_fixtures.py); evaluate.GATE names the metric that decides."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import evaluate
import mlflow
import pytest
from evaluation import Gate, decide

GATE = evaluate.GATE


def run_evaluate(model: Path, test_data: Path, output: Path, *extra: str) -> int:
    argv = ["--model-input", str(model), "--test-data", str(test_data), "--evaluation-output", str(output)]
    return evaluate.main([*argv, *extra])


def read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("higher_is_better", [True, False], ids=["higher-is-better", "lower-is-better"])
@pytest.mark.parametrize(
    ("candidate", "production", "min_improvement", "promote"),
    [
        (0.8, None, 0.0, True),
        (0.8, 0.7, 0.0, True),
        (0.8, 0.7, 0.1, True),
        (0.8, 0.7, 0.15, False),
        (0.8, 0.8, 0.0, False),  # the same score again is no reason to replace production
        (0.7, 0.8, 0.0, False),
    ],
)
def test_decision_rule(
    higher_is_better: bool, candidate: float, production: float | None, min_improvement: float, promote: bool
) -> None:
    """``candidate`` and ``production`` are given as if higher were better; a lower-is-better gate gets them negated."""
    gate = Gate(metric="score", label="score", higher_is_better=higher_is_better)
    sign = 1 if higher_is_better else -1
    production_metrics = None if production is None else {"score": sign * production}

    decision = decide(gate, {"score": sign * candidate}, production_metrics, min_improvement, None)

    assert decision["promote"] is promote
    if production is None:
        assert "first model" in decision["reason"]
    else:
        assert decision["reason"].startswith("promoted" if promote else "not promoted")


def test_promotes_the_first_model(tmp_path: Path, split_data: tuple[Path, Path], better_model: Path) -> None:
    assert run_evaluate(better_model, split_data[1], tmp_path / "evaluation") == 0

    metrics = read(tmp_path / "evaluation" / "metrics.json")
    decision = read(tmp_path / "evaluation" / "decision.json")
    assert GATE.metric in metrics["candidate"]
    assert metrics["production"] is None
    assert decision == {
        "promote": True,
        "reason": decision["reason"],
        "candidate": metrics["candidate"],
        "production": None,
    }
    assert "first model" in decision["reason"]


def test_does_not_promote_a_candidate_worse_than_production(
    tmp_path: Path, split_data: tuple[Path, Path], better_model: Path, worse_model: Path
) -> None:
    with mlflow.start_run() as run:
        code = run_evaluate(
            worse_model, split_data[1], tmp_path / "evaluation", "--production-model", str(better_model)
        )

    assert code == 0
    decision = read(tmp_path / "evaluation" / "decision.json")
    assert decision["promote"] is False
    assert GATE.improvement(decision["candidate"], decision["production"]) < 0
    assert decision["reason"].startswith("not promoted")
    logged = mlflow.get_run(run.info.run_id).data.metrics
    assert logged["promote"] == 0
    assert logged[f"candidate_{GATE.metric}"] == pytest.approx(decision["candidate"][GATE.metric])
    assert logged[f"production_{GATE.metric}"] == pytest.approx(decision["production"][GATE.metric])


def test_promotes_a_candidate_better_than_production_by_enough(
    tmp_path: Path, split_data: tuple[Path, Path], better_model: Path, worse_model: Path
) -> None:
    production = ("--production-model", str(worse_model))

    assert run_evaluate(better_model, split_data[1], tmp_path / "e", *production) == 0
    decision = read(tmp_path / "e" / "decision.json")
    assert decision["promote"] is True
    assert decision["reason"].startswith("promoted")
    gain = GATE.improvement(decision["candidate"], decision["production"])
    # Asking for more improvement than the candidate brings keeps production.
    stricter = (*production, "--min-improvement", f"{gain + 0.001:.4f}")
    assert run_evaluate(better_model, split_data[1], tmp_path / "f", *stricter) == 0
    assert read(tmp_path / "f" / "decision.json")["promote"] is False


def test_finds_the_model_inside_a_mounted_folder(
    tmp_path: Path, split_data: tuple[Path, Path], better_model: Path
) -> None:
    shutil.copytree(better_model, tmp_path / "mounted" / "some-model" / "model")  # as Azure ML may mount it

    argv = ("--production-model", str(better_model))
    assert run_evaluate(tmp_path / "mounted", split_data[1], tmp_path / "e", *argv) == 0
    assert read(tmp_path / "e" / "decision.json")["promote"] is False  # the same model is no improvement


def test_a_registry_model_that_does_not_exist_yet_counts_as_none(
    tmp_path: Path, split_data: tuple[Path, Path], worse_model: Path
) -> None:
    uri = "models:/never-registered@production"

    assert run_evaluate(worse_model, split_data[1], tmp_path / "e", "--production-model", uri) == 0
    decision = read(tmp_path / "e" / "decision.json")
    assert decision["promote"] is True
    assert uri in decision["reason"]


def test_rejects_a_missing_model_or_production_folder_and_a_negative_improvement(
    tmp_path: Path, split_data: tuple[Path, Path], worse_model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_evaluate(tmp_path / "nothing", split_data[1], tmp_path / "e") == 1
    assert "does not exist" in capsys.readouterr().err
    missing = str(tmp_path / "no-production")
    assert run_evaluate(worse_model, split_data[1], tmp_path / "e", "--production-model", missing) == 1
    assert run_evaluate(worse_model, split_data[1], tmp_path / "e", "--min-improvement", "-0.1") == 1
    assert "--min-improvement" in capsys.readouterr().err
    assert not (tmp_path / "e").exists()

"""Tests of the register step: the evaluation's decision gates the registration."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import evaluate
import mlflow
import pytest
import register
from mlflow.exceptions import MlflowException


def evaluate_against(candidate: Path, test_data: Path, output: Path, production: Path | str | None = None) -> Path:
    argv = ["--model-input", str(candidate), "--test-data", str(test_data), "--evaluation-output", str(output)]
    if production is not None:
        argv += ["--production-model", str(production)]
    assert evaluate.main(argv) == 0
    return output


def run_register(model: Path, evaluation: Path, name: str, output: Path) -> dict:
    argv = ["--model-input", str(model), "--evaluation-output", str(evaluation), "--model-name", name]
    assert register.main([*argv, "--registration-output", str(output)]) == 0
    return json.loads((output / "registration.json").read_text(encoding="utf-8"))


def versions(name: str) -> list[str]:
    return sorted(str(version.version) for version in mlflow.MlflowClient().search_model_versions(f"name='{name}'"))


def test_a_candidate_worse_than_production_is_not_registered(
    tmp_path: Path, split_data: tuple[Path, Path], train_model: Callable[..., Path]
) -> None:
    production = train_model("production")
    candidate = train_model("candidate", "--n-estimators", "1", "--max-depth", "1")
    evaluation = evaluate_against(candidate, split_data[1], tmp_path / "evaluation", production)
    assert json.loads((evaluation / "decision.json").read_text())["promote"] is False

    registration = run_register(candidate, evaluation, "worse-candidate", tmp_path / "registration")

    assert registration["registered"] is False
    assert registration["version"] is None
    assert registration["name"] == "worse-candidate"
    assert "not promoted" in registration["reason"]
    assert versions("worse-candidate") == []
    with pytest.raises(MlflowException):
        mlflow.MlflowClient().get_registered_model("worse-candidate")


def test_a_promoted_candidate_is_registered_with_its_metrics(
    tmp_path: Path, split_data: tuple[Path, Path], train_model: Callable[..., Path]
) -> None:
    model = train_model()
    evaluation = evaluate_against(model, split_data[1], tmp_path / "evaluation")

    registration = run_register(model, evaluation, "first-model", tmp_path / "registration")

    assert registration == {
        "registered": True,
        "name": "first-model",
        "version": "1",
        "reason": registration["reason"],
    }
    assert versions("first-model") == ["1"]
    version = mlflow.MlflowClient().get_model_version("first-model", "1")
    decision = json.loads((evaluation / "decision.json").read_text())
    assert float(version.tags["test_rmse"]) == pytest.approx(decision["candidate"]["rmse"])
    # The registered model is the evaluated one and loads from the registry.
    loaded = mlflow.pyfunc.load_model("models:/first-model/1")
    assert loaded.metadata.model_uuid == mlflow.models.Model.load(str(model)).model_uuid


def test_the_registered_model_can_be_the_next_production_model(
    tmp_path: Path, split_data: tuple[Path, Path], train_model: Callable[..., Path]
) -> None:
    first = train_model("first", "--n-estimators", "1", "--max-depth", "1")
    run_register(first, evaluate_against(first, split_data[1], tmp_path / "e1"), "growing", tmp_path / "r1")
    better = train_model("better")

    evaluate_against(better, split_data[1], tmp_path / "e2", production="models:/growing/1")
    registration = run_register(better, tmp_path / "e2", "growing", tmp_path / "r2")

    assert registration["version"] == "2"
    assert versions("growing") == ["1", "2"]


def test_without_a_decision_nothing_is_registered(
    tmp_path: Path, train_model: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--model-input", str(train_model()), "--evaluation-output", str(tmp_path / "none"), "--model-name", "x"]

    assert register.main(argv) == 1
    assert "run the evaluate step first" in capsys.readouterr().err
    (tmp_path / "none").mkdir()
    (tmp_path / "none" / "decision.json").write_text('{"promote": "yes"}')
    assert register.main(argv) == 1
    assert versions("x") == []


def test_the_registration_output_is_optional(
    tmp_path: Path, train_model: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "evaluation").mkdir()
    (tmp_path / "evaluation" / "decision.json").write_text('{"promote": false, "reason": "kept production"}')
    argv = ["--model-input", str(train_model()), "--evaluation-output", str(tmp_path / "evaluation")]

    assert register.main([*argv, "--model-name", "optional"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["registered"] is False

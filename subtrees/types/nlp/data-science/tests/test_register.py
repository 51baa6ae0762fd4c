"""Tests of the register step: only a promoted candidate reaches the model registry."""

from __future__ import annotations

import json
from pathlib import Path

import evaluate
import mlflow
import pytest
import register
from mlflow.exceptions import MlflowException


def evaluate_against(model: Path, test_data: Path, output: Path, production: str | None = None) -> Path:
    argv = ["--model-input", str(model), "--test-data", str(test_data), "--evaluation-output", str(output)]
    assert evaluate.main(argv + (["--production-model", production] if production else [])) == 0
    return output


def run_register(model: Path, evaluation: Path, name: str, output: Path) -> dict:
    argv = ["--model-input", str(model), "--evaluation-output", str(evaluation), "--model-name", name]
    assert register.main([*argv, "--registration-output", str(output)]) == 0
    return json.loads((output / "registration.json").read_text(encoding="utf-8"))


def versions(name: str) -> list[str]:
    return sorted(str(version.version) for version in mlflow.MlflowClient().search_model_versions(f"name='{name}'"))


def test_a_candidate_worse_than_production_is_not_registered(
    tmp_path: Path, split_data: tuple[Path, Path], trained_model: Path, untrained_model: Path
) -> None:
    evaluation = evaluate_against(untrained_model, split_data[1], tmp_path / "evaluation", str(trained_model))
    assert json.loads((evaluation / "decision.json").read_text())["promote"] is False

    registration = run_register(untrained_model, evaluation, "worse-candidate", tmp_path / "registration")

    assert registration["registered"] is False
    assert registration["version"] is None
    assert registration["name"] == "worse-candidate"
    assert "not promoted" in registration["reason"]
    assert versions("worse-candidate") == []
    with pytest.raises(MlflowException):
        mlflow.MlflowClient().get_registered_model("worse-candidate")


def test_a_promoted_candidate_is_registered_and_becomes_the_model_to_beat(
    tmp_path: Path, split_data: tuple[Path, Path], trained_model: Path, untrained_model: Path
) -> None:
    first = run_register(
        untrained_model, evaluate_against(untrained_model, split_data[1], tmp_path / "e1"), "growing", tmp_path / "r1"
    )
    assert first == {"registered": True, "name": "growing", "version": "1", "reason": first["reason"]}
    version = mlflow.MlflowClient().get_model_version("growing", "1")
    assert float(version.tags["test_f1_macro"]) >= 0
    # The registered model is the evaluated one and loads from the registry.
    registered = mlflow.models.Model.load("models:/growing/1")
    assert registered.model_uuid == mlflow.models.Model.load(str(untrained_model)).model_uuid

    evaluation = evaluate_against(trained_model, split_data[1], tmp_path / "e2", production="models:/growing/1")
    second = run_register(trained_model, evaluation, "growing", tmp_path / "r2")

    assert second["version"] == "2"
    assert versions("growing") == ["1", "2"]


def test_without_a_decision_nothing_is_registered(
    tmp_path: Path, trained_model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--model-input", str(trained_model), "--evaluation-output", str(tmp_path / "none"), "--model-name", "x"]

    assert register.main(argv) == 1
    assert "run the evaluate step first" in capsys.readouterr().err
    (tmp_path / "none").mkdir()
    (tmp_path / "none" / "decision.json").write_text('{"promote": "yes"}')
    assert register.main(argv) == 1
    assert versions("x") == []

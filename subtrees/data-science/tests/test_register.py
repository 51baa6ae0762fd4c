"""Tests of the register step, the same for every project type: only a promoted candidate reaches the model
registry. The project type's conftest.py provides split_data, better_model and worse_model (step_fixtures.py)."""

from __future__ import annotations

import json
from pathlib import Path

import evaluate
import mlflow
import pytest
import register
from mlflow.exceptions import MlflowException


def evaluate_against(model: Path, test_data: Path, output: Path, production: Path | str | None = None) -> Path:
    argv = ["--model-input", str(model), "--test-data", str(test_data), "--evaluation-output", str(output)]
    assert evaluate.main(argv + (["--production-model", str(production)] if production else [])) == 0
    return output


def run_register(model: Path, evaluation: Path, name: str, output: Path) -> dict:
    argv = ["--model-input", str(model), "--evaluation-output", str(evaluation), "--model-name", name]
    assert register.main([*argv, "--registration-output", str(output)]) == 0
    return json.loads((output / "registration.json").read_text(encoding="utf-8"))


def versions(name: str) -> list[str]:
    return sorted(str(version.version) for version in mlflow.MlflowClient().search_model_versions(f"name='{name}'"))


def test_a_candidate_worse_than_production_is_not_registered(
    tmp_path: Path, split_data: tuple[Path, Path], better_model: Path, worse_model: Path
) -> None:
    evaluation = evaluate_against(worse_model, split_data[1], tmp_path / "evaluation", better_model)
    assert json.loads((evaluation / "decision.json").read_text())["promote"] is False

    registration = run_register(worse_model, evaluation, "worse-candidate", tmp_path / "registration")

    assert registration["registered"] is False
    assert registration["version"] is None
    assert registration["name"] == "worse-candidate"
    assert "not promoted" in registration["reason"]
    assert versions("worse-candidate") == []
    with pytest.raises(MlflowException):
        mlflow.MlflowClient().get_registered_model("worse-candidate")


def test_a_promoted_candidate_is_registered_with_its_metrics_and_becomes_the_model_to_beat(
    tmp_path: Path, split_data: tuple[Path, Path], better_model: Path, worse_model: Path
) -> None:
    evaluation = evaluate_against(worse_model, split_data[1], tmp_path / "e1")

    first = run_register(worse_model, evaluation, "growing", tmp_path / "r1")

    assert first == {"registered": True, "name": "growing", "version": "1", "reason": first["reason"]}
    tags = mlflow.MlflowClient().get_model_version("growing", "1").tags
    for metric, value in json.loads((evaluation / "decision.json").read_text())["candidate"].items():
        if isinstance(value, int | float):
            assert float(tags[f"test_{metric}"]) == pytest.approx(value)
        else:  # per-class details stay in metrics.json
            assert f"test_{metric}" not in tags
    # The registered model is the evaluated one, and the registry serves it as the next model to beat.
    registered = mlflow.models.Model.load("models:/growing/1")
    assert registered.model_uuid == mlflow.models.Model.load(str(worse_model)).model_uuid

    evaluation = evaluate_against(better_model, split_data[1], tmp_path / "e2", production="models:/growing/1")
    second = run_register(better_model, evaluation, "growing", tmp_path / "r2")

    assert second["version"] == "2"
    assert versions("growing") == ["1", "2"]


def test_without_a_decision_nothing_is_registered(
    tmp_path: Path, worse_model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--model-input", str(worse_model), "--evaluation-output", str(tmp_path / "none"), "--model-name", "x"]

    assert register.main(argv) == 1
    assert "run the evaluate step first" in capsys.readouterr().err
    (tmp_path / "none").mkdir()
    (tmp_path / "none" / "decision.json").write_text('{"promote": "yes"}')
    assert register.main(argv) == 1
    assert versions("x") == []


def test_the_registration_output_is_optional(
    tmp_path: Path, worse_model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "evaluation").mkdir()
    (tmp_path / "evaluation" / "decision.json").write_text('{"promote": false, "reason": "kept production"}')
    argv = ["--model-input", str(worse_model), "--evaluation-output", str(tmp_path / "evaluation")]

    assert register.main([*argv, "--model-name", "optional"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["registered"] is False

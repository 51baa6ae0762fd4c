"""Tests of the train step: the pipeline, the saved MLflow model and what is logged to MLflow."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import mlflow
import mlflow.sklearn
import pandas as pd
import pytest
import train
from common import FEATURES, features


def test_saves_an_mlflow_sklearn_model_with_a_signature(train_model: Callable[..., Path]) -> None:
    model_dir = train_model()

    mlmodel = mlflow.models.Model.load(str(model_dir))
    assert mlmodel.flavors["sklearn"]["serialization_format"] == "skops"
    assert mlmodel.flavors["sklearn"]["skops_trusted_types"] == train.SKOPS_TRUSTED_TYPES
    assert "python_function" in mlmodel.flavors
    signature = mlmodel.signature
    assert signature is not None
    assert tuple(signature.inputs.input_names()) == FEATURES
    requirements = (model_dir / "requirements.txt").read_text()
    assert all(f"{name}==" in requirements for name in train.MODEL_REQUIREMENTS)


def test_the_model_is_one_hot_encoding_and_a_forest(
    train_model: Callable[..., Path], split_data: tuple[Path, Path]
) -> None:
    pipeline = mlflow.sklearn.load_model(str(train_model()))

    assert [name for name, _ in pipeline.steps] == ["encode", "regressor"]
    assert pipeline.named_steps["regressor"].n_estimators == 10
    test = pd.read_csv(split_data[1] / "data.csv")
    predictions = pipeline.predict(features(test))
    assert len(predictions) == len(test)
    # A vendor the model has never seen is encoded as none of the known ones, not an error.
    unseen = features(test.head(2)).assign(vendor="NEW")
    assert len(pipeline.predict(unseen)) == 2


def test_logs_parameters_and_training_metrics_to_the_active_run(train_model: Callable[..., Path]) -> None:
    with mlflow.start_run() as run:
        train_model("model", "--n-estimators", "5", "--max-depth", "0", "--seed", "3")

    logged = mlflow.get_run(run.info.run_id).data
    assert logged.params["n_estimators"] == "5"
    assert logged.params["max_depth"] == "0"
    assert logged.params["seed"] == "3"
    assert logged.params["train_rows"] == "120"
    assert {"training_rmse", "training_mae", "training_r2"} <= set(logged.metrics)
    assert logged.metrics["training_r2"] > 0.8


def test_starts_its_own_run_when_none_is_active(train_model: Callable[..., Path]) -> None:
    train_model()

    assert mlflow.active_run() is None
    last = mlflow.search_runs(experiment_names=["tests"], order_by=["start_time DESC"], max_results=1)
    assert last.loc[0, "status"] == "FINISHED"
    assert last.loc[0, "params.n_estimators"] == "10"


def test_the_same_seed_gives_the_same_model(train_model: Callable[..., Path], split_data: tuple[Path, Path]) -> None:
    test = features(pd.read_csv(split_data[1] / "data.csv"))
    first = mlflow.sklearn.load_model(str(train_model("a"))).predict(test)
    second = mlflow.sklearn.load_model(str(train_model("b"))).predict(test)

    assert first.tolist() == second.tolist()


def test_refuses_a_folder_that_already_holds_files(
    tmp_path: Path, split_data: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "old.txt").write_text("an earlier model")

    assert train.main(["--train-data", str(split_data[0]), "--model-output", str(tmp_path / "model")]) == 1
    assert "is not empty" in capsys.readouterr().err


def test_accepts_an_empty_output_folder(tmp_path: Path, train_model: Callable[..., Path]) -> None:
    (tmp_path / "empty").mkdir()  # what Azure ML mounts as the step's output

    assert (train_model("empty") / "MLmodel").is_file()


def test_rejects_missing_columns_and_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "data.csv").write_text("distance_km,fare_amount\n1.0,5.0\n")

    argv = ["--train-data", str(tmp_path), "--model-output", str(tmp_path / "m")]

    assert train.main(argv) == 1
    assert "lacks the column(s)" in capsys.readouterr().err
    assert train.main([*argv, "--n-estimators", "0"]) == 1
    assert not (tmp_path / "m").exists()

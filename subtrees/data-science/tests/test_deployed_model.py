"""Where score.py of every project type finds its model when a deployment starts: step_io.deployed_model_dir,
below the folder Azure ML names in AZUREML_MODEL_DIR. A start without a usable model fails with one clear
error, which Azure ML shows in the deployment's log."""

from __future__ import annotations

from pathlib import Path

import pytest
from step_io import MODEL_DIR_VARIABLE, deployed_model_dir


def mlflow_model(folder: Path) -> Path:
    """A folder that looks like an MLflow model (its MLmodel file is all the lookup reads)."""
    folder.mkdir(parents=True)
    (folder / "MLmodel").write_text("flavors: {}\n")
    return folder


def test_the_model_is_found_where_azure_ml_mounts_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    model = mlflow_model(tmp_path / "azureml-models" / "taxi-fare-model" / "1" / "model")
    monkeypatch.setenv(MODEL_DIR_VARIABLE, str(tmp_path / "azureml-models" / "taxi-fare-model" / "1"))
    assert deployed_model_dir() == model
    assert deployed_model_dir(str(model)) == model


def test_a_start_without_the_model_folder_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MODEL_DIR_VARIABLE, raising=False)
    with pytest.raises(RuntimeError, match="the environment variable AZUREML_MODEL_DIR must name the model folder"):
        deployed_model_dir()


@pytest.mark.parametrize("models", [0, 2])
def test_a_folder_without_exactly_one_model_is_refused(tmp_path: Path, models: int) -> None:
    for number in range(models):
        mlflow_model(tmp_path / f"model-{number}")
    with pytest.raises(RuntimeError, match=f"must hold exactly one MLflow model \\(an MLmodel file\\), found {models}"):
        deployed_model_dir(str(tmp_path))

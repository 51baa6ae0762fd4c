"""Tests of the train step: the saved MLflow model, what is logged, and the distributed code path."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

import mlflow
import mlflow.pytorch
import pytest
import torch
import train
from common import image_tensor, read_image_set
from conftest import QUICK


def test_saves_an_mlflow_pytorch_model_that_names_its_classes(train_model: Callable[..., Path]) -> None:
    model_dir = train_model()

    mlmodel = mlflow.models.Model.load(str(model_dir))
    assert {"pytorch", "python_function"} <= set(mlmodel.flavors)
    assert mlmodel.metadata == {"classes": ["circle", "square", "triangle"], "image_size": 24}
    assert tuple(mlmodel.signature.inputs.inputs[0].shape) == (-1, 3, 24, 24)
    assert (model_dir / "code" / "network.py").is_file()
    requirements = (model_dir / "requirements.txt").read_text()
    assert all(f"{name}==" in requirements for name in train.MODEL_REQUIREMENTS)
    assert "+cpu" not in requirements  # a GPU machine must be able to install the same torch version


def test_the_saved_network_classifies_images_of_any_size(train_model: Callable[..., Path]) -> None:
    model = mlflow.pytorch.load_model(str(train_model()))

    assert model.classes == ["circle", "square", "triangle"]
    assert model(torch.rand(5, 3, 24, 24)).shape == (5, 3)
    assert model(torch.rand(2, 3, 50, 31)).shape == (2, 3)  # resized inside the network


def test_logs_parameters_and_metrics_per_epoch_to_the_active_run(train_model: Callable[..., Path]) -> None:
    with mlflow.start_run() as run:
        train_model("model", "--epochs", "2", "--image-size", "16", "--width", "4", "--seed", "3")

    logged = mlflow.get_run(run.info.run_id).data
    assert logged.params["epochs"] == "2"
    assert logged.params["seed"] == "3"
    assert logged.params["train_images"] == "66"
    assert logged.params["classes"] == "circle,square,triangle"
    assert logged.params["processes"] == "1"
    history = mlflow.MlflowClient().get_metric_history(run.info.run_id, "train_loss")
    assert [metric.step for metric in history] == [0, 1]
    assert 0 <= logged.metrics["train_accuracy"] <= 1


def test_starts_its_own_run_when_none_is_active(train_model: Callable[..., Path]) -> None:
    train_model()

    assert mlflow.active_run() is None
    last = mlflow.search_runs(experiment_names=["tests"], order_by=["start_time DESC"], max_results=1)
    assert last.loc[0, "status"] == "FINISHED"
    assert last.loc[0, "params.epochs"] == "1"


def test_the_same_seed_gives_the_same_model(train_model: Callable[..., Path], split_data: tuple[Path, Path]) -> None:
    images = torch.stack([image_tensor(path, 24) for path in read_image_set(split_data[1])["circle"]])

    first = mlflow.pytorch.load_model(str(train_model("a"))).eval()
    second = mlflow.pytorch.load_model(str(train_model("b"))).eval()
    with torch.no_grad():
        assert torch.equal(first(images), second(images))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_trains_as_one_process_of_a_distributed_group(
    monkeypatch: pytest.MonkeyPatch, train_model: Callable[..., Path]
) -> None:
    # What torchrun or Azure ML's PyTorch distribution set for each process, here a group of one on the CPU.
    for name, value in {"WORLD_SIZE": "1", "RANK": "0", "LOCAL_RANK": "0", "MASTER_ADDR": "127.0.0.1"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MASTER_PORT", str(free_port()))

    with mlflow.start_run() as run:
        model_dir = train_model("distributed", *QUICK, "--device", "cpu")

    assert not torch.distributed.is_initialized()  # the group is left behind cleanly
    assert mlflow.get_run(run.info.run_id).data.params["processes"] == "1"
    assert mlflow.pytorch.load_model(str(model_dir)).classes == ["circle", "square", "triangle"]


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


def test_rejects_a_set_without_classes_and_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "flat").mkdir()
    argv = ["--train-data", str(tmp_path / "flat"), "--model-output", str(tmp_path / "m")]

    assert train.main(argv) == 1
    assert "class(es)" in capsys.readouterr().err
    assert train.main([*argv, "--epochs", "0"]) == 1
    assert not (tmp_path / "m").exists()

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
    assert mlmodel.metadata == {"classes": ["circle", "square", "triangle"], "image_size": 32, "base_model": "resnet18"}
    assert tuple(mlmodel.signature.inputs.inputs[0].shape) == (-1, 3, 32, 32)
    assert (model_dir / "code" / "network.py").is_file()
    requirements = (model_dir / "requirements.txt").read_text()
    assert all(f"{name}==" in requirements for name in train.MODEL_REQUIREMENTS)
    assert "+cpu" not in requirements  # a GPU machine must be able to install the same torch version


def test_the_saved_network_classifies_images_of_any_size(train_model: Callable[..., Path]) -> None:
    model = mlflow.pytorch.load_model(str(train_model()))

    assert model.classes == ["circle", "square", "triangle"]
    assert model(torch.rand(5, 3, 32, 32)).shape == (5, 3)
    assert model(torch.rand(2, 3, 50, 31)).shape == (2, 3)  # resized inside the network


def test_logs_parameters_and_metrics_per_epoch_to_the_active_run(train_model: Callable[..., Path]) -> None:
    with mlflow.start_run() as run:
        train_model("model", *QUICK, "--epochs", "2", "--seed", "3")

    logged = mlflow.get_run(run.info.run_id).data
    assert logged.params["epochs"] == "2"
    assert logged.params["seed"] == "3"
    assert logged.params["train_images"] == "54"  # 22 per shape, 4 of each held out for validation
    assert logged.params["validation_images"] == "12"
    assert logged.params["base_model"] == "resnet18"
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
    images = torch.stack([image_tensor(path, 32) for path in read_image_set(split_data[1])["circle"]])

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


def test_starts_from_the_pretrained_weights_that_torchvision_finds_in_its_cache(torch_home: Path) -> None:
    import network
    import torchvision

    checkpoint = next((torch_home / "hub" / "checkpoints").iterdir())
    saved = torch.load(checkpoint, weights_only=True)

    pretrained = network.build(["a", "b"], 32, "resnet18", "DEFAULT").backbone
    assert torch.equal(pretrained.conv1.weight, saved["conv1.weight"])
    assert pretrained.fc.out_features == 2  # the ImageNet head is replaced by one output per class
    assert not torch.equal(
        network.build(["a", "b"], 32, "resnet18", "none").backbone.conv1.weight, saved["conv1.weight"]
    )
    assert torch.equal(
        network.build(["a", "b"], 32, "resnet18", str(checkpoint)).backbone.conv1.weight, saved["conv1.weight"]
    )
    assert isinstance(
        network.build(["a", "b", "c"], 32, "mobilenet_v3_small", "none").backbone.classifier[-1], torch.nn.Linear
    )
    assert torchvision.models.get_model_weights("resnet18").DEFAULT.url.endswith(checkpoint.name)


def test_refuses_an_unknown_architecture_or_weights_of_another_one(
    tmp_path: Path, split_data: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--train-data", str(split_data[0]), "--model-output", str(tmp_path / "m"), *QUICK]

    assert train.main([*argv, "--base-model", "resnet5O"]) == 1
    assert "--base-model 'resnet5O' is not a torchvision classification architecture" in capsys.readouterr().err
    torch.save(torch.nn.Linear(2, 2).state_dict(), tmp_path / "other.pth")
    assert train.main([*argv, "--weights", str(tmp_path / "other.pth")]) == 1
    assert "is not a state dict of resnet18" in capsys.readouterr().err
    assert not (tmp_path / "m").exists()


class Preempted(Exception):
    """What a low-priority node's eviction is to the training: the process stops after a checkpoint."""


def outputs(model_dir: Path, images: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return mlflow.pytorch.load_model(str(model_dir)).eval()(images)


def test_a_preempted_run_resumes_from_its_checkpoint_and_ends_with_the_same_model(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, split_data: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    import training

    def argv(name: str) -> list[str]:
        return [
            "--train-data", str(split_data[0]), "--model-output", str(tmp_path / name / "model"),
            "--checkpoint-dir", str(tmp_path / name / "checkpoints"), *QUICK, "--epochs", "2",
        ]  # fmt: skip

    assert train.main(argv("uninterrupted")) == 0
    save = training.save_checkpoint

    def save_then_stop(folder: Path, state: dict) -> None:
        save(folder, state)
        raise Preempted

    monkeypatch.setattr(training, "save_checkpoint", save_then_stop)
    with pytest.raises(Preempted):
        train.main(argv("preempted"))
    assert torch.load(tmp_path / "preempted" / "checkpoints" / "last.pt", weights_only=False)["epoch"] == 1
    monkeypatch.setattr(training, "save_checkpoint", save)
    capsys.readouterr()

    assert train.main(argv("preempted")) == 0  # the job started again, with the same folders
    assert '"resumed_after_epoch": 1' in capsys.readouterr().out
    images = torch.stack([image_tensor(path, 32) for path in read_image_set(split_data[1])["square"]])
    torch.testing.assert_close(
        outputs(tmp_path / "preempted" / "model", images), outputs(tmp_path / "uninterrupted" / "model", images)
    )


def test_keeps_the_weights_of_the_epoch_with_the_best_validation_accuracy(train_model: Callable[..., Path]) -> None:
    with mlflow.start_run() as run:
        train_model("model", *QUICK, "--epochs", "3", "--learning-rate", "0.002")

    history = mlflow.MlflowClient().get_metric_history(run.info.run_id, "validation_accuracy")
    accuracies = [metric.value for metric in sorted(history, key=lambda metric: metric.step)]
    assert len(accuracies) == 3
    assert mlflow.get_run(run.info.run_id).data.metrics["best_epoch"] == accuracies.index(max(accuracies)) + 1


def test_the_profiler_records_the_steps_it_is_asked_for(train_model: Callable[..., Path], tmp_path: Path) -> None:
    train_model("model", *QUICK, "--profile-steps", "1", "--profile-output", str(tmp_path / "profile"))

    assert "traceEvents" in (tmp_path / "profile" / "trace.json").read_text()
    assert "Self CPU" in (tmp_path / "profile" / "operators.txt").read_text()

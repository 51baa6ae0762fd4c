"""Tests of the train step: the fine-tuned model, the saved MLflow model and what is logged to MLflow."""

from __future__ import annotations

import json
from pathlib import Path

import mlflow
import pytest
import train
from common import load_classifier, predict_labels
from conftest import UNTRAINED, train_into


def test_saves_an_mlflow_text_classification_pipeline(trained_model: Path) -> None:
    mlmodel = mlflow.models.Model.load(str(trained_model))

    assert mlmodel.flavors["transformers"]["task"] == "text-classification"
    assert "python_function" in mlmodel.flavors
    assert mlmodel.signature.inputs.to_dict() == [{"type": "string", "required": True}]
    assert [column["name"] for column in mlmodel.signature.outputs.to_dict()] == ["label", "score"]
    requirements = (trained_model / "requirements.txt").read_text()
    assert all(f"{name}==" in requirements for name in ("mlflow", "transformers", "torch"))


def test_the_model_answers_with_the_label_names_of_the_training_data(trained_model: Path) -> None:
    classifier = load_classifier(str(trained_model))

    assert classifier.model.config.id2label == {0: "negative", 1: "positive"}
    labels = predict_labels(classifier, ["The sound of this kettle is excellent.", "Awful kettle, a waste of money."])
    assert labels == ["positive", "negative"]


def test_logs_parameters_and_training_metrics_to_the_active_run(
    tmp_path: Path, split_data: tuple[Path, Path], base_model: Path
) -> None:
    with mlflow.start_run() as run:
        train_into(tmp_path / "model", split_data[0], base_model, *UNTRAINED, "--seed", "3")

    logged = mlflow.get_run(run.info.run_id).data
    assert logged.params["base_model"] == str(base_model)
    assert json.loads(logged.params["labels"]) == ["negative", "positive"]
    assert logged.params["max_steps"] == "1"
    assert logged.params["seed"] == "3"
    assert logged.params["train_rows"] == "126"
    assert logged.params["processes"] == "1"
    assert logged.metrics["training_steps"] == 1
    assert logged.metrics["training_loss"] > 0
    assert (tmp_path / "model" / "MLmodel").is_file()
    assert mlflow.active_run() is None or mlflow.active_run().info.run_id != run.info.run_id


def test_refuses_a_folder_that_already_holds_files(
    tmp_path: Path, split_data: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "old.txt").write_text("an earlier model")

    assert train.main(["--train-data", str(split_data[0]), "--model-output", str(tmp_path / "model")]) == 1
    assert "is not empty" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "extra", "message"),
    [
        ("sentence,label\nhi,a\n", (), "lacks the column(s) text"),
        ("text,label\nhi,a\nho,a\n", (), "1 distinct label(s)"),
        ("text,label\nhi,a\nho,b\n", ("--batch-size", "0"), "--batch-size at least 1"),
        ("text,label\nhi,a\nho,b\n", ("--epochs", "0"), "--epochs must be positive"),
    ],
)
def test_rejects_unusable_data_and_bad_arguments(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, extra: tuple[str, ...], message: str
) -> None:
    (tmp_path / "data.csv").write_text(content)

    assert train.main(["--train-data", str(tmp_path), "--model-output", str(tmp_path / "m"), *extra]) == 1
    assert message in capsys.readouterr().err
    assert not (tmp_path / "m").exists()


TINY = ("--batch-size", "4", "--learning-rate", "1e-4", "--max-length", "24")


def test_accumulates_gradients_over_the_batches_asked_for(
    tmp_path: Path, split_data: tuple[Path, Path], base_model: Path
) -> None:
    with mlflow.start_run() as run:
        train_into(
            tmp_path / "model", split_data[0], base_model, *TINY, "--max-steps", "2", "--accumulation-steps", "2"
        )

    logged = mlflow.get_run(run.info.run_id).data
    assert logged.params["accumulation_steps"] == "2"
    assert logged.metrics["training_steps"] == 2  # optimiser steps, each over 2 batches of 4 texts


def test_fp16_is_refused_without_a_gpu_and_bf16_trains_on_the_cpu(
    tmp_path: Path, split_data: tuple[Path, Path], base_model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--train-data", str(split_data[0]), "--model-output", str(tmp_path / "m"), "--base-model", str(base_model)]

    assert train.main([*argv, *TINY, "--max-steps", "1", "--precision", "fp16"]) == 1
    assert "--precision fp16 needs a GPU" in capsys.readouterr().err
    assert not (tmp_path / "m").exists()
    train_into(tmp_path / "bf16", split_data[0], base_model, *TINY, "--max-steps", "1", "--precision", "bf16")
    assert (tmp_path / "bf16" / "MLmodel").is_file()


class Preempted(Exception):
    """What a low-priority node's eviction is to the training: the process stops after a checkpoint."""


def test_a_preempted_run_resumes_from_the_newest_checkpoint(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    split_data: tuple[Path, Path],
    base_model: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from transformers import Trainer

    checkpoints = tmp_path / "checkpoints"
    options = (*TINY, "--max-steps", "2", "--checkpoint-dir", str(checkpoints), "--checkpoint-steps", "1")
    save = Trainer._save_checkpoint

    def save_then_stop(self: Trainer, *args: object, **kwargs: object) -> None:
        save(self, *args, **kwargs)
        raise Preempted

    monkeypatch.setattr(Trainer, "_save_checkpoint", save_then_stop)
    with pytest.raises(Preempted):
        train_into(tmp_path / "model", split_data[0], base_model, *options)
    assert [path.name for path in checkpoints.iterdir()] == ["checkpoint-1"]
    monkeypatch.setattr(Trainer, "_save_checkpoint", save)
    capsys.readouterr()

    with mlflow.start_run() as run:  # the job started again, with the same folders
        train_into(tmp_path / "model", split_data[0], base_model, *options)

    assert f'"resuming_from": "{checkpoints / "checkpoint-1"}"' in capsys.readouterr().out
    assert mlflow.get_run(run.info.run_id).data.metrics["training_steps"] == 2
    assert [path.name for path in checkpoints.iterdir()] == ["checkpoint-2"]  # only the newest is kept

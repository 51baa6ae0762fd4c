"""Step 2, train: fine-tune a pretrained transformer to classify the training texts; save it as an MLflow model.

The base model (--base-model: a Hugging Face Hub name such as distilbert-base-uncased, or a local folder
that holds a model saved with save_pretrained) gets a new classification head with one output per label
of the training data. Its tokenizer turns each text into at most --max-length tokens, and the
transformers Trainer fine-tunes the whole network for --epochs passes over the data (or --max-steps
optimiser steps, when given). The fit is seeded.

The Trainer runs wherever the step is started: one process on a laptop's CPU, or one process per GPU
on as many nodes as the job has when Azure ML starts the step with PyTorch distribution (it sets RANK,
WORLD_SIZE, LOCAL_RANK and the master address, and the Trainer then trains with DistributedDataParallel).
Only the first process logs to MLflow and saves the model.

- --precision auto computes in bfloat16 on GPUs that support it, else in float16 (with the Trainer's
  gradient scaler), and in float32 on the CPU; bf16, fp16 and fp32 force one.
- --accumulation-steps N sums the gradients of N batches per optimiser step (an effective batch of
  N x --batch-size x processes).
- With --checkpoint-dir, the Trainer writes a checkpoint there every --checkpoint-steps steps (the model,
  the optimiser, the schedule and the random generators; the newest one is kept), and a run that finds
  one resumes from it: on Azure ML low-priority nodes a preempted job is started again, with the same
  output folder, and goes on where it stopped.

    python data-science/src/train.py --train-data outputs/train --model-output outputs/model \\
        --base-model distilbert-base-uncased

--model-output must be empty or not exist yet; the model is saved there in MLflow's transformers format
(a text-classification pipeline: model, tokenizer and the label names), with a signature (a string in,
a label and its score out) and the exact package versions it needs.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from common import DEFAULT_BASE_MODEL, LABEL, TEXT, DataError, mlflow_run, read_rows

# What the saved model needs to be loaded, pinned to the versions that trained it. Giving the list
# spares MLflow from inferring it, which is slow.
MODEL_REQUIREMENTS = ("mlflow", "transformers", "torch", "accelerate", "tokenizers", "safetensors", "pandas", "numpy")
TASK = "text-classification"
PRECISIONS = ("auto", "bf16", "fp16", "fp32")


class TokenizedTexts:
    """The training texts as the Trainer wants them: one dict of token ids and the label id per item."""

    def __init__(self, encodings: Any, label_ids: Sequence[int]) -> None:
        self.encodings = encodings
        self.label_ids = list(label_ids)

    def __len__(self) -> int:
        return len(self.label_ids)

    def __getitem__(self, index: int) -> dict[str, Any]:
        item = {name: values[index] for name, values in self.encodings.items()}
        item["labels"] = self.label_ids[index]
        return item


def is_local(base_model: str) -> bool:
    return Path(base_model).is_dir()


def load_base_model(base_model: str, labels: Sequence[str]) -> tuple[Any, Any]:
    """The tokenizer and the base model with a new, untrained classification head for ``labels``.

    A local folder is read without contacting the Hugging Face Hub.
    """
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    local = is_local(base_model)
    tokenizer = AutoTokenizer.from_pretrained(base_model, local_files_only=local)
    model = AutoModelForSequenceClassification.from_pretrained(
        base_model,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={label: index for index, label in enumerate(labels)},
        local_files_only=local,
    )
    return tokenizer, model


def tokenize(tokenizer: Any, rows: Sequence[dict[str, str]], labels: Sequence[str], max_length: int) -> TokenizedTexts:
    """The rows' texts as token ids (cut at ``max_length``; padded later, per batch) and their label ids."""
    encodings = tokenizer([row[TEXT] for row in rows], truncation=True, max_length=max_length)
    index = {label: position for position, label in enumerate(labels)}
    return TokenizedTexts(encodings, [index[row[LABEL]] for row in rows])


def precision_flags(requested: str) -> dict[str, bool]:
    """The Trainer's bf16/fp16 switches for ``requested`` (one of PRECISIONS) on this machine.

    Raises DataError where the machine lacks the precision asked for.
    """
    import torch

    gpu = torch.cuda.is_available()
    if requested == "auto":
        requested = ("bf16" if torch.cuda.is_bf16_supported() else "fp16") if gpu else "fp32"
    if requested == "bf16" and gpu and not torch.cuda.is_bf16_supported():
        raise DataError("--precision bf16: this GPU does not support bfloat16; use fp16 or auto")
    if requested == "fp16" and not gpu:
        raise DataError("--precision fp16 needs a GPU; on the CPU use bf16 or fp32")
    return {"bf16": requested == "bf16", "fp16": requested == "fp16"}


def training_arguments(args: argparse.Namespace, output_dir: str) -> Any:
    import torch
    from transformers import TrainingArguments

    checkpoints = args.checkpoint_dir is not None
    return TrainingArguments(
        output_dir=str(args.checkpoint_dir) if checkpoints else output_dir,
        num_train_epochs=args.epochs,
        max_steps=args.max_steps if args.max_steps > 0 else -1,
        per_device_train_batch_size=args.batch_size,
        gradient_accumulation_steps=args.accumulation_steps,
        learning_rate=args.learning_rate,
        weight_decay=0.01,
        seed=args.seed,
        **precision_flags(args.precision),
        use_cpu=not torch.cuda.is_available(),  # bf16 on the CPU needs it said
        # Checkpoints to resume from, only where they outlive the job (--checkpoint-dir); the MLflow model
        # below is the step's output either way.
        save_strategy="steps" if checkpoints else "no",
        save_steps=args.checkpoint_steps,
        save_total_limit=1,
        eval_strategy="no",  # evaluate.py scores the model on the test data
        logging_steps=10,
        report_to="none",  # this script logs to MLflow itself, from the first process only
        disable_tqdm=True,
        dataloader_num_workers=args.num_workers,
        dataloader_pin_memory=True,
    )


def last_checkpoint(folder: Path | None) -> str | None:
    """The newest checkpoint the Trainer wrote into ``folder``, None when there is none (a first start)."""
    if folder is None or not folder.is_dir():
        return None
    from transformers.trainer_utils import get_last_checkpoint

    return get_last_checkpoint(str(folder))


def model_requirements() -> list[str]:
    pinned = []
    for name in MODEL_REQUIREMENTS:
        try:
            pinned.append(f"{name}=={version(name)}")
        except PackageNotFoundError:
            pass
    return pinned


def save_model(model: Any, tokenizer: Any, folder: Path) -> None:
    """Save the fine-tuned model and its tokenizer as an MLflow text-classification pipeline."""
    import mlflow.transformers
    from transformers import pipeline

    classifier = pipeline(TASK, model=model.to("cpu"), tokenizer=tokenizer, device="cpu")
    mlflow.transformers.save_model(
        transformers_model=classifier,
        path=str(folder),
        task=TASK,
        input_example=["The battery of this kettle is excellent."],  # MLflow infers the signature from it
        pip_requirements=model_requirements(),
    )


def check_empty(folder: Path) -> None:
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise DataError(f"{folder} is not empty: give a new or empty folder for the model")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train-data", type=Path, required=True, help="folder (or CSV file) of training rows")
    parser.add_argument("--model-output", type=Path, required=True, help="new or empty folder for the MLflow model")
    parser.add_argument(
        "--base-model",
        default=DEFAULT_BASE_MODEL,
        help=f"Hugging Face Hub name or local folder of the model to fine-tune ({DEFAULT_BASE_MODEL})",
    )
    parser.add_argument("--epochs", type=float, default=3.0, help="passes over the training data (3)")
    parser.add_argument("--max-steps", type=int, default=0, help="stop after this many steps; 0 = use --epochs (0)")
    parser.add_argument("--batch-size", type=int, default=16, help="texts per batch and device (16)")
    parser.add_argument("--accumulation-steps", type=int, default=1, help="batches per optimiser step (1)")
    parser.add_argument("--learning-rate", type=float, default=5e-5, help="peak learning rate (5e-5)")
    parser.add_argument("--max-length", type=int, default=128, help="longest text, in tokens (128)")
    parser.add_argument(
        "--precision", choices=PRECISIONS, default="auto", help="auto: bf16 or fp16 on GPUs, fp32 on CPUs"
    )
    parser.add_argument("--num-workers", type=int, default=0, help="data-loading worker processes per device (0)")
    parser.add_argument("--checkpoint-dir", type=Path, help="folder of the checkpoints to resume from and to write")
    parser.add_argument("--checkpoint-steps", type=int, default=200, help="steps between checkpoints (200)")
    parser.add_argument("--seed", type=int, default=42, help="seed of the new head and the data order (42)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if (
        args.epochs <= 0
        or args.max_steps < 0
        or min(args.batch_size, args.accumulation_steps) < 1
        or args.max_length < 8
    ):
        print(
            "error: --epochs must be positive, --max-steps at least 0, --batch-size at least 1, "
            "--accumulation-steps at least 1 and --max-length at least 8",
            file=sys.stderr,
        )
        return 1
    if args.num_workers < 0 or args.checkpoint_steps < 1:
        print("error: --num-workers must be at least 0 and --checkpoint-steps at least 1", file=sys.stderr)
        return 1
    try:
        check_empty(args.model_output)
        rows = read_rows(args.train_data)
        precision_flags(args.precision)
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    labels = sorted({row[LABEL] for row in rows})
    if len(labels) < 2:
        print(f"error: the training data has {len(labels)} distinct label(s); at least 2 are needed", file=sys.stderr)
        return 1

    from transformers import DataCollatorWithPadding, Trainer, set_seed

    set_seed(args.seed)  # the new head's initial weights
    tokenizer, model = load_base_model(args.base_model, labels)
    dataset = tokenize(tokenizer, rows, labels, args.max_length)
    with tempfile.TemporaryDirectory(prefix="trainer-") as scratch:
        trainer = Trainer(
            model=model,
            args=training_arguments(args, scratch),
            train_dataset=dataset,
            data_collator=DataCollatorWithPadding(tokenizer),
        )
        resume_from = last_checkpoint(args.checkpoint_dir)
        if resume_from and trainer.is_world_process_zero():
            print(json.dumps({"resuming_from": resume_from}), flush=True)
        result = trainer.train(resume_from_checkpoint=resume_from)
    if not trainer.is_world_process_zero():
        return 0

    training = {
        "training_loss": float(result.training_loss),
        "training_steps": float(result.global_step),
        "training_seconds": float(result.metrics.get("train_runtime", 0.0)),
    }
    import mlflow

    with mlflow_run():
        mlflow.log_params(
            {
                "base_model": args.base_model,
                "labels": json.dumps(labels),
                "epochs": args.epochs,
                "max_steps": args.max_steps,
                "batch_size": args.batch_size,
                "accumulation_steps": args.accumulation_steps,
                "precision": args.precision,
                "learning_rate": args.learning_rate,
                "max_length": args.max_length,
                "seed": args.seed,
                "train_rows": len(rows),
                "processes": int(os.environ.get("WORLD_SIZE", "1")),
            }
        )
        mlflow.log_metrics(training)
        save_model(trainer.model, tokenizer, args.model_output)
    print(json.dumps({**training, "labels": labels}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

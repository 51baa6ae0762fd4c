"""Run the whole training pipeline on this machine: prep -> train -> evaluate -> register.

The same four steps as the Azure ML pipeline, with the same arguments, one after the other, offline.
MLflow tracks them in a local SQLite store under --output: one parent run with a nested run per step,
and a model registry in which register.py adds a version whenever evaluate.py promotes the candidate.
Look at it with `mlflow ui --backend-store-uri sqlite:///outputs/mlflow.db`.

    python data-science/src/run_local.py --raw-data data/images --output outputs

Files written under --output: train/ and test/, one folder per class (prep), model/ (train),
evaluation/metrics.json and evaluation/decision.json (evaluate), registration/registration.json
(register), mlflow.db and mlartifacts/ (the MLflow store, kept between runs). Each run replaces the
step outputs of the run before.

--production-model is the model to beat, as evaluate.py takes it: a model folder (say, a copy of an
earlier outputs/model) or a URI such as models:/image-classifier/1 from the local registry.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import local_pipeline
import network

MODEL_NAME = "image-classifier"
EXPERIMENT = "image-classifier-local"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    local_pipeline.add_input_arguments(
        parser,
        model_name=MODEL_NAME,
        raw_data_help="folder of class folders, or a .zip of one",
        test_size=0.25,
        test_size_help="share of each class held out (0.25)",
    )
    parser.add_argument(
        "--base-model",
        default=network.DEFAULT_BASE_MODEL,
        help=f"torchvision architecture to fine-tune ({network.DEFAULT_BASE_MODEL})",
    )
    parser.add_argument(
        "--weights", default=network.DEFAULT_WEIGHTS, help="DEFAULT (pretrained, fetched once), none, or a .pth file"
    )
    parser.add_argument("--epochs", type=int, default=10, help="passes over the training images (10)")
    parser.add_argument("--batch-size", type=int, default=32, help="images per training step (32)")
    parser.add_argument("--learning-rate", type=float, default=5e-4, help="AdamW's peak learning rate (0.0005)")
    parser.add_argument("--image-size", type=int, default=32, help="images are resized to this square (32)")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto", help="auto: a GPU if any")
    local_pipeline.add_gate_arguments(
        parser,
        min_improvement_help="accuracy the candidate must gain (0)",
        seed_help="seed of the split and the training (42)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    train_flags = {
        "base_model": args.base_model,
        "weights": args.weights,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "learning_rate": args.learning_rate,
        "image_size": args.image_size,
        "device": args.device,
    }
    return local_pipeline.run(args, experiment=EXPERIMENT, train_flags=train_flags, params={})


if __name__ == "__main__":
    sys.exit(main())

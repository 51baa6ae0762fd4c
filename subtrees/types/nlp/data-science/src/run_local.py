"""Run the whole training pipeline on this machine: prep -> train -> evaluate -> register.

The same four steps as the Azure ML pipeline, with the same arguments, one after the other, offline when
the base model is a local folder. Training runs as one process, on the GPU if there is one, else on the
CPU: give a small model and a few steps for a quick run. MLflow tracks the steps in a local SQLite store
under --output: one parent run with a nested run per step, and a model registry in which register.py adds
a version whenever evaluate.py promotes the candidate. Look at it with
`mlflow ui --backend-store-uri sqlite:///outputs/mlflow.db`.

    python data-science/src/run_local.py --raw-data data/reviews.csv --output outputs \\
        --base-model distilbert-base-uncased

Files written under --output: train/data.csv and test/data.csv (prep), model/ (train),
evaluation/metrics.json and evaluation/decision.json (evaluate), registration/registration.json
(register), mlflow.db and mlartifacts/ (the MLflow store, kept between runs). Each run replaces the
step outputs of the run before.

--production-model is the model to beat, as evaluate.py takes it: a model folder (say, a copy of an
earlier outputs/model) or a URI such as models:/review-sentiment-model/1 from the local registry.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import local_pipeline
from common import DEFAULT_BASE_MODEL

MODEL_NAME = "review-sentiment-model"
EXPERIMENT = "review-sentiment-local"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    local_pipeline.add_input_arguments(
        parser,
        model_name=MODEL_NAME,
        raw_data_help="CSV file, or folder of CSV files",
        test_size=0.2,
        test_size_help="share of each label's rows held out (0.2)",
    )
    parser.add_argument(
        "--base-model",
        default=DEFAULT_BASE_MODEL,
        help=f"Hugging Face Hub name or local folder of the model to fine-tune ({DEFAULT_BASE_MODEL})",
    )
    parser.add_argument("--epochs", type=float, default=3.0, help="passes over the training data (3)")
    parser.add_argument("--max-steps", type=int, default=0, help="stop after this many steps; 0 = use --epochs (0)")
    parser.add_argument("--batch-size", type=int, default=16, help="texts per step (16)")
    parser.add_argument("--learning-rate", type=float, default=5e-5, help="peak learning rate (5e-5)")
    parser.add_argument("--max-length", type=int, default=128, help="longest text, in tokens (128)")
    local_pipeline.add_gate_arguments(
        parser,
        min_improvement_help="macro F1 the candidate must gain (0)",
        seed_help="seed of the split and the training (42)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    train_flags = {
        "base_model": args.base_model,
        "epochs": args.epochs,
        "max_steps": args.max_steps,
        "batch_size": args.batch_size,
        "learning_rate": args.learning_rate,
        "max_length": args.max_length,
    }
    params = {"base_model": args.base_model}
    return local_pipeline.run(args, experiment=EXPERIMENT, train_flags=train_flags, params=params)


if __name__ == "__main__":
    sys.exit(main())

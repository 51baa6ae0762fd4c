"""Run the whole training pipeline on this machine: prep -> train -> evaluate -> register.

The same four steps as the Azure ML pipeline, with the same arguments, one after the other, offline.
MLflow tracks them in a local SQLite store under --output: one parent run with a nested run per step,
and a model registry in which register.py adds a version whenever evaluate.py promotes the candidate.
Look at it with `mlflow ui --backend-store-uri sqlite:///outputs/mlflow.db`.

    python data-science/src/run_local.py --raw-data data/taxi-trips.csv --output outputs

Files written under --output: train/data.csv and test/data.csv (prep), model/ (train),
evaluation/metrics.json and evaluation/decision.json (evaluate), registration/registration.json
(register), mlflow.db and mlartifacts/ (the MLflow store, kept between runs). Each run replaces the
step outputs of the run before.

--production-model is the model to beat, as evaluate.py takes it: a model folder (say, a copy of an
earlier outputs/model) or a URI such as models:/taxi-fare-model/1 from the local registry.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import local_pipeline

MODEL_NAME = "taxi-fare-model"
EXPERIMENT = "taxi-fare-local"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    local_pipeline.add_input_arguments(
        parser,
        model_name=MODEL_NAME,
        raw_data_help="CSV file, or folder of CSV files",
        test_size=0.2,
        test_size_help="share of rows held out (0.2)",
    )
    parser.add_argument("--n-estimators", type=int, default=100, help="number of trees (100)")
    parser.add_argument("--max-depth", type=int, default=10, help="depth limit of each tree; 0 = none (10)")
    local_pipeline.add_gate_arguments(
        parser,
        min_improvement_help="RMSE the candidate must gain (0)",
        seed_help="seed of the split and the forest (42)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    train_flags = {"n_estimators": args.n_estimators, "max_depth": args.max_depth}
    return local_pipeline.run(args, experiment=EXPERIMENT, train_flags=train_flags, params={})


if __name__ == "__main__":
    sys.exit(main())

"""Step 2, train: fit the fare model to the training data and save it as an MLflow model.

The model is a scikit-learn pipeline: the categorical columns (vendor, payment_type) are one-hot encoded,
the numeric columns pass through, and a random forest predicts fare_amount. The fit is seeded, so the
same data and arguments give the same model. The parameters and the error on the training rows are
logged to the active MLflow run (in Azure ML, the job's run).

    python data-science/src/train.py --train-data outputs/train --model-output outputs/model

--model-output must be empty or not exist yet; the model is saved there in MLflow's sklearn format
(serialized with skops), with a signature that lists the input columns.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path

import mlflow
import mlflow.sklearn
from common import CATEGORICAL_FEATURES, NUMERIC_FEATURES, TARGET, DataError, features, mlflow_run, read_table
from common import regression_metrics as metrics_of
from mlflow.models import infer_signature
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

# skops, the format MLflow saves scikit-learn models in, loads only the types it trusts; the trees of
# the forest are one more. Change this list when you change the model (save_model says what is missing).
SKOPS_TRUSTED_TYPES = ["sklearn.tree._tree.Tree"]
# What the saved model needs to be loaded, pinned to the versions that trained it. Giving the list
# spares MLflow from inferring it, which is slow.
MODEL_REQUIREMENTS = ("mlflow", "scikit-learn", "pandas", "numpy", "skops")


def build_pipeline(n_estimators: int, max_depth: int | None, seed: int) -> Pipeline:
    """An unfitted pipeline: one-hot encoding of the categorical columns, then a random forest."""
    encode = ColumnTransformer(
        [
            ("categorical", OneHotEncoder(handle_unknown="ignore", sparse_output=False), list(CATEGORICAL_FEATURES)),
            ("numeric", "passthrough", list(NUMERIC_FEATURES)),
        ]
    )
    forest = RandomForestRegressor(n_estimators=n_estimators, max_depth=max_depth, random_state=seed)
    return Pipeline([("encode", encode), ("regressor", forest)])


def model_requirements() -> list[str]:
    return [f"{name}=={version(name)}" for name in MODEL_REQUIREMENTS]


def check_empty(folder: Path) -> None:
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise DataError(f"{folder} is not empty: give a new or empty folder for the model")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train-data", type=Path, required=True, help="folder (or CSV file) of training rows")
    parser.add_argument("--model-output", type=Path, required=True, help="new or empty folder for the MLflow model")
    parser.add_argument("--n-estimators", type=int, default=100, help="number of trees (default 100)")
    parser.add_argument("--max-depth", type=int, default=10, help="depth limit of each tree; 0 = no limit")
    parser.add_argument("--seed", type=int, default=42, help="seed of the forest (default 42)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.n_estimators < 1 or args.max_depth < 0:
        print("error: --n-estimators must be at least 1 and --max-depth at least 0", file=sys.stderr)
        return 1
    try:
        check_empty(args.model_output)
        table = read_table(args.train_data)
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    inputs, target = features(table), table[TARGET].astype("float64")
    pipeline = build_pipeline(args.n_estimators, args.max_depth or None, args.seed)
    pipeline.fit(inputs, target)
    predicted = pipeline.predict(inputs)
    training = {f"training_{name}": value for name, value in metrics_of(target, predicted).items()}

    with mlflow_run():
        mlflow.log_params(
            {
                "model": "RandomForestRegressor",
                "n_estimators": args.n_estimators,
                "max_depth": args.max_depth,
                "seed": args.seed,
                "train_rows": len(table),
            }
        )
        mlflow.log_metrics(training)
        mlflow.sklearn.save_model(
            pipeline,
            str(args.model_output),
            serialization_format=mlflow.sklearn.SERIALIZATION_FORMAT_SKOPS,
            skops_trusted_types=SKOPS_TRUSTED_TYPES,
            signature=infer_signature(inputs, predicted),
            pip_requirements=model_requirements(),
        )
    print(json.dumps(training))
    return 0


if __name__ == "__main__":
    sys.exit(main())

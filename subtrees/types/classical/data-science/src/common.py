"""What the pipeline steps share: the columns of the taxi-trip table, reading it, the error metrics and
finding an MLflow model on disk.

The steps import this module as a sibling (``import common``): Azure ML uploads the whole src folder as
the code of every step, and the tests put the folder on ``sys.path``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

TARGET = "fare_amount"
NUMERIC_FEATURES = ("distance_km", "duration_min", "passengers", "pickup_hour", "weekday")
CATEGORICAL_FEATURES = ("vendor", "payment_type")
FEATURES = NUMERIC_FEATURES + CATEGORICAL_FEATURES
COLUMNS = FEATURES + (TARGET,)
DATA_FILE = "data.csv"  # the file prep.py writes into each of its output folders
MLMODEL = "MLmodel"  # the file that marks the root folder of an MLflow model


class DataError(ValueError):
    """Input that a step cannot use; its main() prints the message and returns 1."""


def csv_files(path: Path) -> list[Path]:
    """``path`` itself if it is a file, else the ``*.csv`` files directly inside the folder ``path``.

    A folder is what an Azure ML ``uri_folder`` input (and prep.py's outputs) provide.
    """
    if path.is_file():
        return [path]
    if path.is_dir():
        found = sorted(path.glob("*.csv"))
        if not found:
            raise DataError(f"{path} holds no .csv file")
        return found
    raise DataError(f"{path} does not exist")


def read_table(path: Path, columns: Iterable[str] = COLUMNS) -> pd.DataFrame:
    """The rows of every CSV file at ``path``, which must have at least ``columns``."""
    frames = []
    for file in csv_files(path):
        frame = pd.read_csv(file, dtype={name: "string" for name in CATEGORICAL_FEATURES})
        missing = [name for name in columns if name not in frame.columns]
        if missing:
            raise DataError(f"{file} lacks the column(s) {', '.join(missing)}")
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True)
    if table.empty:
        raise DataError(f"{path} has no data rows")
    return table


def features(table: pd.DataFrame) -> pd.DataFrame:
    """The model's input: the feature columns, numbers as floats and categories as strings.

    Numbers are floats so that the model's signature accepts both ``3`` and ``3.0`` in a request.
    """
    frame = table.loc[:, list(FEATURES)].copy()
    for name in NUMERIC_FEATURES:
        frame[name] = frame[name].astype("float64")
    for name in CATEGORICAL_FEATURES:
        frame[name] = frame[name].astype(str)
    return frame


def regression_metrics(actual: Iterable[float], predicted: Iterable[float]) -> dict[str, float]:
    """Root mean squared error, mean absolute error and R² of ``predicted`` against ``actual``."""
    pairs = list(zip(actual, predicted, strict=True))
    if not pairs:
        raise DataError("no rows to evaluate")
    errors = [float(y) - float(p) for y, p in pairs]
    mean = sum(float(y) for y, _ in pairs) / len(pairs)
    total = sum((float(y) - mean) ** 2 for y, _ in pairs)
    squared = sum(error * error for error in errors)
    return {
        "rmse": math.sqrt(squared / len(pairs)),
        "mae": sum(abs(error) for error in errors) / len(pairs),
        "r2": 1.0 - squared / total if total else 0.0,
    }


def find_model_dir(path: Path) -> Path:
    """The folder of the MLflow model at ``path``: ``path`` itself or the one folder below it with an MLmodel file.

    Azure ML mounts a model input or a deployed model as a folder that may hold the model one level deeper.
    """
    if (path / MLMODEL).is_file():
        return path
    if not path.is_dir():
        raise DataError(f"{path} does not exist")
    found = sorted(file.parent for file in path.rglob(MLMODEL) if file.is_file())
    if len(found) != 1:
        raise DataError(f"{path} must hold exactly one MLflow model (an {MLMODEL} file), found {len(found)}")
    return found[0]


@contextmanager
def mlflow_run() -> Iterator[Any]:
    """The active MLflow run, else a new run for the duration of the block.

    In Azure ML the new run is the job's own run (MLflow finds it through the job's environment); the
    local runner starts one run per step itself.
    """
    import mlflow

    active = mlflow.active_run()
    if active is not None:
        yield active
        return
    with mlflow.start_run() as run:
        yield run

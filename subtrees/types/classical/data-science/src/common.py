"""What the pipeline steps of the taxi-fare model share: the columns of the taxi-trip table, reading it and
the error metrics. What the steps of every project type share is in step_io.py.

The steps import this module as a sibling (``import common``): Azure ML uploads the whole src folder as
the code of every step, and the tests put the folder on ``sys.path``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
from step_io import DataError

TARGET = "fare_amount"
NUMERIC_FEATURES = ("distance_km", "duration_min", "passengers", "pickup_hour", "weekday")
CATEGORICAL_FEATURES = ("vendor", "payment_type")
FEATURES = NUMERIC_FEATURES + CATEGORICAL_FEATURES
COLUMNS = FEATURES + (TARGET,)
DATA_FILE = "data.csv"  # the file prep.py writes into each of its output folders

# The local runner (run_local.py): the name it registers the model under, its MLflow experiment, and flags
# of its own for train.py (train.py's defaults suit the sample trips).
MODEL_NAME = "taxi-fare-model"
LOCAL_EXPERIMENT = "taxi-fare-local"
LOCAL_TRAINING: dict[str, object] = {}


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

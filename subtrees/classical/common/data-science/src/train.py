"""Fit a linear regression model to a CSV table with ordinary least squares.

Every column except the target is a numeric feature. The script writes two JSON files to the
output folder: ``model.json`` (intercept and one coefficient per feature) and ``metrics.json``
(row count, RMSE and R² on the training rows). It uses the standard library only, so the same
step runs on a laptop, in the project's tests and as an Azure ML command job.

    python train.py --data ../../data/taxi-trips.csv --target fare --output outputs

``--data`` may also name a folder that holds exactly one CSV file, which is what an Azure ML
``uri_folder`` input or a mounted SDK v1 dataset provides.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path


def resolve_csv(path: Path) -> Path:
    """The CSV file to read: ``path`` itself, or the only ``*.csv`` file inside the folder ``path``."""
    if path.is_file():
        return path
    if path.is_dir():
        found = sorted(path.glob("*.csv"))
        if len(found) == 1:
            return found[0]
        raise ValueError(f"{path} must hold exactly one .csv file, found {len(found)}")
    raise ValueError(f"{path} does not exist")


def read_table(path: Path, target: str) -> tuple[list[str], list[list[float]], list[float]]:
    """Feature names, feature rows and target values of a CSV file with a header row."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        columns = reader.fieldnames or []
        if target not in columns:
            raise ValueError(f"{path} has no column {target!r}; columns: {', '.join(columns)}")
        features = [column for column in columns if column != target]
        if not features:
            raise ValueError(f"{path} has no feature column besides {target!r}")
        rows: list[list[float]] = []
        values: list[float] = []
        for line, record in enumerate(reader, start=2):
            try:
                rows.append([float(record[name]) for name in features])
                values.append(float(record[target]))
            except (TypeError, ValueError):
                raise ValueError(f"{path}, line {line}: every value must be a number") from None
    if len(rows) <= len(features):
        needed = len(features) + 1
        raise ValueError(f"{path} has {len(rows)} rows: a fit of {len(features)} features needs at least {needed}")
    return features, rows, values


def solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """Solve the square system ``matrix · x = vector`` by Gaussian elimination with partial pivoting."""
    size = len(vector)
    augmented = [row[:] + [value] for row, value in zip(matrix, vector, strict=True)]
    for column in range(size):
        pivot = max(range(column, size), key=lambda row: abs(augmented[row][column]))
        if abs(augmented[pivot][column]) < 1e-12:
            raise ValueError("the features are linearly dependent: drop a redundant column")
        augmented[column], augmented[pivot] = augmented[pivot], augmented[column]
        for row in range(column + 1, size):
            factor = augmented[row][column] / augmented[column][column]
            for k in range(column, size + 1):
                augmented[row][k] -= factor * augmented[column][k]
    solution = [0.0] * size
    for row in reversed(range(size)):
        known = sum(augmented[row][k] * solution[k] for k in range(row + 1, size))
        solution[row] = (augmented[row][size] - known) / augmented[row][row]
    return solution


def fit_least_squares(rows: list[list[float]], values: list[float]) -> list[float]:
    """Intercept followed by one coefficient per feature, from the normal equations."""
    design = [[1.0, *row] for row in rows]
    width = len(design[0])
    gram = [[sum(r[i] * r[j] for r in design) for j in range(width)] for i in range(width)]
    moment = [sum(r[i] * y for r, y in zip(design, values, strict=True)) for i in range(width)]
    return solve(gram, moment)


def predict(parameters: list[float], row: list[float]) -> float:
    """The model's prediction for one feature row."""
    return parameters[0] + sum(weight * x for weight, x in zip(parameters[1:], row, strict=True))


def evaluate(parameters: list[float], rows: list[list[float]], values: list[float]) -> dict[str, float]:
    """Root mean squared error and coefficient of determination of the fit."""
    residuals = [y - predict(parameters, row) for row, y in zip(rows, values, strict=True)]
    mean = sum(values) / len(values)
    total = sum((y - mean) ** 2 for y in values)
    squared = sum(r * r for r in residuals)
    return {
        "rmse": math.sqrt(squared / len(values)),
        "r2": 1.0 - squared / total if total else 1.0,
    }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="CSV file, or folder with one CSV file")
    parser.add_argument("--target", required=True, help="name of the column to predict")
    parser.add_argument("--output", type=Path, required=True, help="folder for model.json and metrics.json")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Train, write model.json and metrics.json, print the metrics. Returns the exit code."""
    args = parse_args(argv)
    try:
        source = resolve_csv(args.data)
        features, rows, values = read_table(source, args.target)
        parameters = fit_least_squares(rows, values)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    metrics = {"rows": len(rows), **evaluate(parameters, rows, values)}
    model = {
        "kind": "linear-regression",
        "target": args.target,
        "intercept": parameters[0],
        "coefficients": dict(zip(features, parameters[1:], strict=True)),
    }
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "model.json").write_text(json.dumps(model, indent=2) + "\n", encoding="utf-8")
    (args.output / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(metrics))
    return 0


if __name__ == "__main__":
    sys.exit(main())

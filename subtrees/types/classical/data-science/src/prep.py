"""Step 1, prep: clean the raw taxi trips and split them into training and test data.

Rows with a missing or unreadable value, and trips with a distance, duration or fare that is not
positive, are dropped. The rest is split at random with a fixed seed, so the same data and seed always
give the same split. Each output folder gets one file, data.csv, with the feature columns and the
target fare_amount.

    python data-science/src/prep.py --raw-data data/taxi-trips.csv --train-data outputs/train --test-data outputs/test

--raw-data may also name a folder: all its .csv files are read (an Azure ML uri_folder input).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from common import CATEGORICAL_FEATURES, COLUMNS, DATA_FILE, NUMERIC_FEATURES, TARGET, read_table
from sklearn.model_selection import train_test_split
from step_io import DataError, split_args

RAW_DATA_HELP = "CSV file, or folder of CSV files"
TEST_SIZE = 0.2  # also the default of run_local.py
TEST_SIZE_HELP = "share of rows held out for testing (0.2)"

MIN_ROWS = 10  # fewer clean rows than this cannot give a useful split
POSITIVE = ("distance_km", "duration_min", TARGET)


def clean(raw: pd.DataFrame) -> pd.DataFrame:
    """The usable rows of ``raw``, with only the model's columns."""
    table = raw.loc[:, list(COLUMNS)].copy()
    for name in (*NUMERIC_FEATURES, TARGET):
        table[name] = pd.to_numeric(table[name], errors="coerce")
    for name in CATEGORICAL_FEATURES:
        table[name] = table[name].str.strip().replace("", pd.NA)
    table = table.dropna()
    table = table[(table[list(POSITIVE)] > 0).all(axis=1)]
    return table.reset_index(drop=True)


def split(table: pd.DataFrame, test_size: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Training and test rows; the same ``seed`` gives the same split."""
    if len(table) < MIN_ROWS:
        raise DataError(f"only {len(table)} usable rows: prep needs at least {MIN_ROWS}")
    train, test = train_test_split(table, test_size=test_size, random_state=seed, shuffle=True)
    return train.reset_index(drop=True), test.reset_index(drop=True)


def write(table: pd.DataFrame, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / DATA_FILE
    table.to_csv(path, index=False, lineterminator="\n")
    return path


def main(argv: Sequence[str] | None = None) -> int:
    args = split_args(argv, __doc__, raw_data_help=RAW_DATA_HELP, test_size=TEST_SIZE, test_size_help=TEST_SIZE_HELP)
    try:
        raw = read_table(args.raw_data)
        table = clean(raw)
        train, test = split(table, args.test_size, args.seed)
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    write(train, args.train_data)
    write(test, args.test_data)
    summary = {
        "raw_rows": len(raw),
        "dropped_rows": len(raw) - len(table),
        "train_rows": len(train),
        "test_rows": len(test),
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())

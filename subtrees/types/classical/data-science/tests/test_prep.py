"""Tests of the taxi-fare prep step: cleaning and splitting the trips (test_seeded_split.py tests what every
project type's prep does alike)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import prep
import pytest
from common import COLUMNS


def run_prep(raw: Path, out: Path, *extra: str) -> int:
    return prep.main(
        ["--raw-data", str(raw), "--train-data", str(out / "train"), "--test-data", str(out / "test"), *extra]
    )


def test_splits_the_rows_into_train_and_test_data(tmp_path: Path, raw_data: Path) -> None:
    assert run_prep(raw_data, tmp_path / "out", "--test-size", "0.25") == 0

    train = pd.read_csv(tmp_path / "out" / "train" / "data.csv")
    test = pd.read_csv(tmp_path / "out" / "test" / "data.csv")
    assert (len(train), len(test)) == (112, 38)
    assert tuple(train.columns) == tuple(test.columns) == COLUMNS
    raw = pd.read_csv(raw_data)
    together = pd.concat([train, test]).sort_values(list(COLUMNS)).reset_index(drop=True)
    assert together.equals(raw.sort_values(list(COLUMNS)).reset_index(drop=True))


def test_reads_every_csv_file_of_a_folder(tmp_path: Path, make_trips: Callable[..., Path]) -> None:
    make_trips(tmp_path / "raw" / "part-1.csv", rows=30, seed=1)
    make_trips(tmp_path / "raw" / "part-2.csv", rows=20, seed=2)

    assert run_prep(tmp_path / "raw", tmp_path / "out") == 0
    rows = sum(len(pd.read_csv(tmp_path / "out" / part / "data.csv")) for part in ("train", "test"))
    assert rows == 50


def test_drops_unusable_rows_and_extra_columns(tmp_path: Path, raw_data: Path) -> None:
    raw = pd.read_csv(raw_data)
    raw["trip_id"] = range(len(raw))
    raw.loc[0, "fare_amount"] = -5  # a refund, not a fare
    raw.loc[1, "distance_km"] = 0
    raw.loc[2, "vendor"] = None
    raw["passengers"] = raw["passengers"].astype(object)
    raw.loc[3, "passengers"] = "two"
    raw.to_csv(tmp_path / "dirty.csv", index=False)

    assert run_prep(tmp_path / "dirty.csv", tmp_path / "out") == 0
    kept = pd.concat(pd.read_csv(tmp_path / "out" / part / "data.csv") for part in ("train", "test"))
    assert len(kept) == len(raw) - 4
    assert "trip_id" not in kept.columns
    assert (kept["fare_amount"] > 0).all() and (kept["distance_km"] > 0).all()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda table: table.drop(columns=["vendor"]), "lacks the column(s) vendor"),
        (lambda table: table.head(5), "only 5 usable rows"),
    ],
)
def test_rejects_unusable_data(
    tmp_path: Path,
    raw_data: Path,
    capsys: pytest.CaptureFixture[str],
    change: Callable[[pd.DataFrame], pd.DataFrame],
    message: str,
) -> None:
    change(pd.read_csv(raw_data)).to_csv(tmp_path / "bad.csv", index=False)

    assert run_prep(tmp_path / "bad.csv", tmp_path / "out") == 1
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()

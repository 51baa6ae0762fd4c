"""Tests of the sample-data generator."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import make_sample_data
import pytest
from common import COLUMNS


def test_same_rows_and_seed_give_the_same_bytes(tmp_path: Path) -> None:
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    assert make_sample_data.main(["--rows", "50", "--seed", "3", "--output", str(first)]) == 0
    assert make_sample_data.main(["--rows", "50", "--seed", "3", "--output", str(second)]) == 0

    assert first.read_bytes() == second.read_bytes()
    assert make_sample_data.sample_csv(50, 4) != first.read_text(encoding="utf-8")


def test_the_table_has_the_model_columns_and_plausible_values() -> None:
    rows = list(csv.DictReader(io.StringIO(make_sample_data.sample_csv(200, 42))))

    assert len(rows) == 200
    assert tuple(rows[0]) == COLUMNS
    assert {row["vendor"] for row in rows} == set(make_sample_data.VENDORS)
    assert {row["payment_type"] for row in rows} == set(make_sample_data.PAYMENT_TYPES)
    assert all(1 <= int(row["passengers"]) <= 6 for row in rows)
    assert all(0 <= int(row["pickup_hour"]) <= 23 and 0 <= int(row["weekday"]) <= 6 for row in rows)
    assert all(float(row["distance_km"]) > 0 and float(row["fare_amount"]) >= 3.5 for row in rows)
    # Longer trips cost more: the fare follows the distance.
    short = [float(row["fare_amount"]) for row in rows if float(row["distance_km"]) < 2]
    long = [float(row["fare_amount"]) for row in rows if float(row["distance_km"]) > 6]
    assert sum(long) / len(long) > 2 * sum(short) / len(short)


def test_the_committed_sample_is_what_the_script_makes(sample_data: Path) -> None:
    assert sample_data.read_bytes() == make_sample_data.sample_csv(400, 42).encode("utf-8")


def test_rejects_a_table_without_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert make_sample_data.main(["--rows", "0", "--output", str(tmp_path / "x.csv")]) == 1
    assert "--rows" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()

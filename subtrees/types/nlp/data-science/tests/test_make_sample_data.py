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


def test_half_the_reviews_are_positive_and_the_words_say_so() -> None:
    rows = list(csv.DictReader(io.StringIO(make_sample_data.sample_csv(200, 42))))

    assert len(rows) == 200
    assert tuple(rows[0]) == COLUMNS
    assert sum(row["label"] == "positive" for row in rows) == 100
    assert {row["label"] for row in rows} == set(make_sample_data.LABELS)
    assert all("terrible" not in row["text"] for row in rows if row["label"] == "positive")
    assert all("excellent" not in row["text"] for row in rows if row["label"] == "negative")


def test_the_committed_sample_is_what_the_script_makes(sample_data: Path) -> None:
    assert sample_data.read_bytes() == make_sample_data.sample_csv(240, 42).encode("utf-8")


def test_rejects_a_table_without_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert make_sample_data.main(["--rows", "0", "--output", str(tmp_path / "x.csv")]) == 1
    assert "--rows" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()

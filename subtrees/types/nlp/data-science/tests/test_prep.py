"""Tests of the review-sentiment prep step: cleaning and the stratified split (test_seeded_split.py tests what
every project type's prep does alike)."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import prep
import pytest


def run_prep(raw: Path, out: Path, *extra: str) -> int:
    return prep.main(
        ["--raw-data", str(raw), "--train-data", str(out / "train"), "--test-data", str(out / "test"), *extra]
    )


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_splits_each_label_into_train_and_test_data(tmp_path: Path, raw_data: Path) -> None:
    assert run_prep(raw_data, tmp_path / "out", "--test-size", "0.25") == 0

    train = rows_of(tmp_path / "out" / "train" / "data.csv")
    test = rows_of(tmp_path / "out" / "test" / "data.csv")
    raw = {row["text"]: row["label"] for row in rows_of(raw_data)}
    assert len(train) + len(test) == len(raw)
    assert {row["text"] for row in train}.isdisjoint(row["text"] for row in test)
    assert all(raw[row["text"]] == row["label"] for row in train + test)
    assert tuple(train[0]) == tuple(test[0]) == ("text", "label")
    # Stratified: each label keeps its share in the test data.
    labels = Counter(raw.values())
    assert Counter(row["label"] for row in test) == {label: round(count * 0.25) for label, count in labels.items()}


def test_reads_every_csv_file_of_a_folder(tmp_path: Path, make_reviews: Callable[..., Path]) -> None:
    make_reviews(tmp_path / "raw" / "part-1.csv", rows=30, seed=1)
    make_reviews(tmp_path / "raw" / "part-2.csv", rows=20, seed=2)
    texts = {row["text"] for part in ("part-1", "part-2") for row in rows_of(tmp_path / "raw" / f"{part}.csv")}

    assert run_prep(tmp_path / "raw", tmp_path / "out") == 0
    kept = [row for part in ("train", "test") for row in rows_of(tmp_path / "out" / part / "data.csv")]
    assert len(kept) == len(texts)  # a review in both files counts once


def test_drops_empty_and_repeated_texts_and_extra_columns(tmp_path: Path) -> None:
    raw = write(
        tmp_path / "dirty.csv",
        [
            "id,text,label",
            "1,  Great   kettle ,positive",
            "2,Great kettle,positive",
            "3,,negative",
            "4,Broken lid,",
            "5,Broken handle,negative",
            "6,Lovely colour,positive",
            "7,Leaks everywhere,negative",
        ],
    )

    assert run_prep(raw, tmp_path / "out") == 0
    kept = [row for part in ("train", "test") for row in rows_of(tmp_path / "out" / part / "data.csv")]
    assert sorted(row["text"] for row in kept) == ["Broken handle", "Great kettle", "Leaks everywhere", "Lovely colour"]
    assert all(set(row) == {"text", "label"} for row in kept)


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["sentence,label", "hi,a", "ho,b"], "lacks the column(s) text"),
        (["text,label", "hi,a", "ho,a", "hu,a"], "1 distinct label(s)"),
        (["text,label", "hi,a", "ho,a", "hu,b"], "label(s) b have fewer than 2 usable rows"),
    ],
)
def test_rejects_unusable_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lines: list[str], message: str
) -> None:
    assert run_prep(write(tmp_path / "bad.csv", lines), tmp_path / "out") == 1
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()

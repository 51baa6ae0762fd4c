"""Step 1, prep: clean the raw labelled texts and split them into training and test data.

Surrounding white space is stripped and runs of white space inside a text become one space; rows with an
empty text or label are dropped, and so is every repeat of a text already seen (a text in both halves
would flatter the test score). The rest is split per label with a fixed seed (stratified), so every label
is in both halves in its share of the data, and the same data and seed always give the same split. Each
output folder gets one file, data.csv, with the columns text and label.

    python data-science/src/prep.py --raw-data data/reviews.csv --train-data outputs/train --test-data outputs/test

--raw-data may also name a folder: all its .csv files are read (an Azure ML uri_folder input). Turning
the texts into tokens is the train step's job: the tokenizer belongs to the base model it fine-tunes.
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Sequence

from common import LABEL, TEXT, read_rows, write_rows
from step_io import DataError, split_args

RAW_DATA_HELP = "CSV file, or folder of CSV files"
TEST_SIZE = 0.2  # also the default of run_local.py
TEST_SIZE_HELP = "share of each label's rows held out for testing (0.2)"

MIN_ROWS_PER_LABEL = 2  # one for training and one for testing, at least
MIN_LABELS = 2


def clean(raw: Sequence[dict[str, str]]) -> list[dict[str, str]]:
    """The usable rows of ``raw``: normalised white space, no empty cell, no repeated text."""
    seen: set[str] = set()
    rows = []
    for record in raw:
        text, label = " ".join(record[TEXT].split()), record[LABEL].strip()
        if not text or not label or text in seen:
            continue
        seen.add(text)
        rows.append({TEXT: text, LABEL: label})
    return rows


def split(rows: Sequence[dict[str, str]], test_size: float, seed: int) -> tuple[list[dict], list[dict]]:
    """Training and test rows, split per label; the same ``seed`` gives the same split."""
    by_label: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_label.setdefault(row[LABEL], []).append(row)
    if len(by_label) < MIN_LABELS:
        raise DataError(f"{len(by_label)} distinct label(s): a classifier needs at least {MIN_LABELS}")
    scarce = sorted(label for label, group in by_label.items() if len(group) < MIN_ROWS_PER_LABEL)
    if scarce:
        raise DataError(f"label(s) {', '.join(scarce)} have fewer than {MIN_ROWS_PER_LABEL} usable rows")
    generator = random.Random(seed)
    train: list[dict[str, str]] = []
    test: list[dict[str, str]] = []
    for label in sorted(by_label):
        group = list(by_label[label])
        generator.shuffle(group)
        held_out = min(max(1, round(len(group) * test_size)), len(group) - 1)
        test += group[:held_out]
        train += group[held_out:]
    generator.shuffle(train)
    generator.shuffle(test)
    return train, test


def main(argv: Sequence[str] | None = None) -> int:
    args = split_args(argv, __doc__, raw_data_help=RAW_DATA_HELP, test_size=TEST_SIZE, test_size_help=TEST_SIZE_HELP)
    try:
        raw = read_rows(args.raw_data)
        rows = clean(raw)
        train, test = split(rows, args.test_size, args.seed)
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    write_rows(train, args.train_data)
    write_rows(test, args.test_data)
    labels = sorted({row[LABEL] for row in rows})
    summary = {
        "raw_rows": len(raw),
        "dropped_rows": len(raw) - len(rows),
        "train_rows": len(train),
        "test_rows": len(test),
        "labels": labels,
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())

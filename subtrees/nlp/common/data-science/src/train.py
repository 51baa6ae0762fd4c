"""Training step of the text classification model: checks the labelled texts and reports on them.

This is the step the Azure ML pipeline runs. It does not train a language model yet: it
validates the CSV file the real training will read (a ``text`` and a ``label`` column, no empty
text, at least two labels) and writes ``metrics.json`` with the label counts, the vocabulary
size and the accuracy of always predicting the most frequent label, the baseline any model
must beat.

    python train.py --data ../../data/reviews.csv --output outputs

``--data`` may also name a folder that holds exactly one CSV file, which is what an Azure ML
``uri_folder`` input or a mounted SDK v1 dataset provides.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")


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


def read_examples(path: Path) -> list[tuple[str, str]]:
    """(text, label) pairs of a CSV file with ``text`` and ``label`` columns."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = {"text", "label"} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{path} lacks the column(s) {', '.join(sorted(missing))}")
        examples = []
        for line, record in enumerate(reader, start=2):
            text, label = (record["text"] or "").strip(), (record["label"] or "").strip()
            if not text or not label:
                raise ValueError(f"{path}, line {line}: text and label must not be empty")
            examples.append((text, label))
    labels = {label for _, label in examples}
    if len(labels) < 2:
        raise ValueError(f"{path} has {len(labels)} distinct label(s); a classifier needs at least two")
    return examples


def describe(examples: list[tuple[str, str]]) -> dict[str, object]:
    """Label counts, vocabulary size and majority-label baseline accuracy of the examples."""
    labels = Counter(label for _, label in examples)
    vocabulary = {word.lower() for text, _ in examples for word in WORD.findall(text)}
    return {
        "model_trained": False,
        "rows": len(examples),
        "labels": dict(sorted(labels.items())),
        "vocabulary_size": len(vocabulary),
        "majority_baseline_accuracy": labels.most_common(1)[0][1] / len(examples),
    }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="CSV file, or folder with one CSV file")
    parser.add_argument("--output", type=Path, required=True, help="folder for metrics.json")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Validate the examples, write metrics.json, print it. Returns the exit code."""
    args = parse_args(argv)
    try:
        examples = read_examples(resolve_csv(args.data))
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    metrics = describe(examples)
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(metrics))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Batch scoring script for an Azure ML batch endpoint serving the registered text classifier.

Azure ML calls ``init()`` once per worker process, with the model files under the folder named by the
environment variable AZUREML_MODEL_DIR, then ``run(mini_batch)`` with a list of input files (CSV files
with a ``text`` column; other columns, such as ``label``, are carried through). The rows it returns are
appended to the deployment's output file (predictions.csv): the file name, the row's position in it, the
text, the predicted label and its score.

    python data-science/src/batch_score.py --input data/reviews.csv --output predictions.csv   (a local try)

The script shares the model loading of score.py, and like it, needs nothing else in this folder.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import score

OUTPUT_COLUMNS = ("file", "row", "text", "label", "score")
classifier: Any = None


def init() -> None:
    """Load the model once per worker, from the folder Azure ML names in AZUREML_MODEL_DIR."""
    global classifier
    classifier = score.load(os.environ.get(score.MODEL_DIR_VARIABLE))


def read_texts(file: Path) -> list[str]:
    with file.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if score.TEXT not in (reader.fieldnames or []):
            raise ValueError(f"{file.name} has no {score.TEXT} column")
        return [" ".join((record[score.TEXT] or "").split()) for record in reader]


def run(mini_batch: Sequence[str | os.PathLike[str]]) -> list[str]:
    """One CSV line (without header) per text of every file in ``mini_batch``."""
    if classifier is None:
        raise RuntimeError("init() has not loaded the model")
    lines = []
    for name in mini_batch:
        file = Path(name)
        texts = read_texts(file)
        kept = [(position, text) for position, text in enumerate(texts) if text]
        answers = score.classify(classifier, [text for _, text in kept])
        for (position, text), answer in zip(kept, answers, strict=True):
            lines.append(csv_line([file.name, position, text, answer["label"], answer["score"]]))
    return lines


def csv_line(values: Sequence[Any]) -> str:
    from io import StringIO

    buffer = StringIO()
    csv.writer(buffer, lineterminator="").writerow(values)
    return buffer.getvalue()


def main(argv: Sequence[str] | None = None) -> int:
    """Score local CSV files the way the batch deployment does, with the model in --model (or AZUREML_MODEL_DIR)."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--input", type=Path, nargs="+", required=True, help="CSV files with a text column")
    parser.add_argument("--output", type=Path, required=True, help="CSV file for the predictions")
    parser.add_argument("--model", default=os.environ.get(score.MODEL_DIR_VARIABLE), help="the MLflow model's folder")
    args = parser.parse_args(argv)
    global classifier
    try:
        classifier = score.load(args.model)
        lines = run([str(path) for path in args.input])
    except (OSError, RuntimeError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("\n".join([",".join(OUTPUT_COLUMNS), *lines]) + "\n", encoding="utf-8")
    print(f"wrote {len(lines)} predictions to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

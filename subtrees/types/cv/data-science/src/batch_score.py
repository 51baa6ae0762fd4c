"""Batch scoring script: classify every image of a folder (or of a .zip archive), for an Azure ML batch deployment.

Azure ML calls ``init()`` once per worker, with the model under AZUREML_MODEL_DIR, then ``run(mini_batch)``
with a list of input file paths; each result line is appended to the job's output file (predictions.csv).
An image file gives one line, a .zip archive one line per image inside it (so the zipped public dataset that
the training pipeline reads can be scored as it is), other files none:

    file,label,score
    milk_bottle/42.jpg,milk_bottle,0.9731

A file that is not a readable image gets an empty label and score rather than failing the whole job.

On a laptop, score a folder with a model folder and write the lines to a CSV file:

    python data-science/src/batch_score.py --model outputs/model --input data/images --output outputs/predictions.csv
"""

from __future__ import annotations

import argparse
import csv
import io
import logging
import os
import sys
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import score
from common import IMAGE_SUFFIXES, DataError, image_tensor

HEADER = ("file", "label", "score")
logger = logging.getLogger(__name__)


def init() -> None:
    """Load the model once, from the folder Azure ML names in AZUREML_MODEL_DIR."""
    score.init()


def images_of(path: Path) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of the image ``path``, or of every image inside the .zip archive ``path``."""
    if path.suffix.lower() == ".zip" and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as bundle:
            for member in sorted(bundle.namelist()):
                name = Path(member)
                hidden = any(part.startswith((".", "__")) for part in name.parts)
                if name.suffix.lower() in IMAGE_SUFFIXES and not hidden and not member.endswith("/"):
                    yield f"{path.name}/{member}", bundle.read(member)
    elif path.suffix.lower() in IMAGE_SUFFIXES:
        yield path.name, path.read_bytes()


def csv_line(values: Sequence[object]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(values)
    return buffer.getvalue()


def score_files(paths: Sequence[Path]) -> list[tuple[str, str, str]]:
    """(file, label, score) of every image in ``paths``; unreadable images get an empty label and score."""
    from network import predict_probabilities

    model = score.model
    names, tensors, unreadable = [], [], []
    for path in paths:
        for name, data in images_of(path):
            try:
                tensors.append(image_tensor(data, model.image_size))
                names.append(name)
            except DataError:
                logger.warning("%s is not a readable image", name)
                unreadable.append(name)
    rows = []
    for name, probabilities in zip(names, predict_probabilities(model, tensors).tolist(), strict=True):
        best = max(range(len(probabilities)), key=probabilities.__getitem__)
        rows.append((name, model.classes[best], f"{probabilities[best]:.4f}"))
    return rows + [(name, "", "") for name in unreadable]


def run(mini_batch: list[str]) -> list[str]:
    """One CSV line (file,label,score) per image of the mini batch's files."""
    if score.model is None:
        raise RuntimeError("init() has not loaded the model")
    return [csv_line(row) for row in score_files([Path(path) for path in mini_batch])]


def input_files(path: Path) -> list[Path]:
    """The files to score: ``path`` itself, or every file below the folder ``path``."""
    if path.is_file():
        return [path]
    if path.is_dir():
        return sorted(file for file in path.rglob("*") if file.is_file())
    raise DataError(f"{path} does not exist")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, required=True, help="folder of the MLflow model")
    parser.add_argument("--input", type=Path, required=True, help="image, .zip archive or folder to score")
    parser.add_argument("--output", type=Path, required=True, help="CSV file for the predictions")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ[score.MODEL_DIR_VARIABLE] = str(args.model)
    try:
        files = input_files(args.input)
        init()
    except (DataError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    lines = run([str(file) for file in files])
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("\n".join([csv_line(HEADER), *lines]) + "\n", encoding="utf-8")
    print(f"scored {len(lines)} images into {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

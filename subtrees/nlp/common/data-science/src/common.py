"""What the pipeline steps share: the columns of the review table, reading it, the classification metrics,
finding an MLflow model on disk and loading a saved classifier.

The steps import this module as a sibling (``import common``): Azure ML uploads the whole src folder as
the code of every step, and the tests put the folder on ``sys.path``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

TEXT = "text"
LABEL = "label"
COLUMNS = (TEXT, LABEL)
DATA_FILE = "data.csv"  # the file prep.py writes into each of its output folders
MLMODEL = "MLmodel"  # the file that marks the root folder of an MLflow model
# The base model fine-tuned when none is given: small enough for one GPU, good enough for short texts.
DEFAULT_BASE_MODEL = "distilbert-base-uncased"


class DataError(ValueError):
    """Input that a step cannot use; its main() prints the message and returns 1."""


def csv_files(path: Path) -> list[Path]:
    """``path`` itself if it is a file, else the ``*.csv`` files directly inside the folder ``path``.

    A folder is what an Azure ML ``uri_folder`` input (and prep.py's outputs) provide.
    """
    if path.is_file():
        return [path]
    if path.is_dir():
        found = sorted(path.glob("*.csv"))
        if not found:
            raise DataError(f"{path} holds no .csv file")
        return found
    raise DataError(f"{path} does not exist")


def read_rows(path: Path, columns: Iterable[str] = COLUMNS) -> list[dict[str, str]]:
    """The rows of every CSV file at ``path``, which must have at least ``columns``; cells as strings."""
    rows: list[dict[str, str]] = []
    for file in csv_files(path):
        with file.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = [name for name in columns if name not in (reader.fieldnames or [])]
            if missing:
                raise DataError(f"{file} lacks the column(s) {', '.join(missing)}")
            rows.extend(
                {name: (value or "") for name, value in record.items() if name is not None} for record in reader
            )
    if not rows:
        raise DataError(f"{path} has no data rows")
    return rows


def write_rows(rows: Sequence[dict[str, str]], folder: Path, columns: Sequence[str] = COLUMNS) -> Path:
    """Write ``rows`` (only ``columns``) to ``folder/data.csv``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / DATA_FILE
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def classification_metrics(actual: Sequence[str], predicted: Sequence[str]) -> dict[str, float]:
    """Accuracy and macro-averaged F1 of ``predicted`` labels against ``actual`` ones.

    Macro F1 averages the F1 of every label that occurs in either list, so a rare label counts as much
    as a frequent one; a model that always answers the majority label scores poorly on it.
    """
    if len(actual) != len(predicted):
        raise ValueError(f"{len(actual)} labels but {len(predicted)} predictions")
    if not actual:
        raise DataError("no rows to evaluate")
    correct = sum(1 for truth, guess in zip(actual, predicted, strict=True) if truth == guess)
    scores = []
    for label in sorted(set(actual) | set(predicted)):
        true_positive = sum(1 for t, p in zip(actual, predicted, strict=True) if t == label and p == label)
        predicted_count = sum(1 for p in predicted if p == label)
        actual_count = sum(1 for t in actual if t == label)
        precision = true_positive / predicted_count if predicted_count else 0.0
        recall = true_positive / actual_count if actual_count else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return {"accuracy": correct / len(actual), "f1_macro": sum(scores) / len(scores)}


def find_model_dir(path: Path) -> Path:
    """The folder of the MLflow model at ``path``: ``path`` itself or the one folder below it with an MLmodel file.

    Azure ML mounts a model input or a deployed model as a folder that may hold the model one level deeper.
    """
    if (path / MLMODEL).is_file():
        return path
    if not path.is_dir():
        raise DataError(f"{path} does not exist")
    found = sorted(file.parent for file in path.rglob(MLMODEL) if file.is_file())
    if len(found) != 1:
        raise DataError(f"{path} must hold exactly one MLflow model (an {MLMODEL} file), found {len(found)}")
    return found[0]


def load_classifier(location: str) -> Any:
    """The Hugging Face text-classification pipeline of the MLflow model in the folder or at the URI ``location``."""
    import mlflow.transformers

    if not is_uri(location):
        location = str(find_model_dir(Path(location)))
    return mlflow.transformers.load_model(location, return_type="pipeline")


def is_uri(location: str) -> bool:
    return "://" in location or location.startswith(("models:/", "runs:/"))


def predict_labels(classifier: Any, texts: Sequence[str], batch_size: int = 32) -> list[str]:
    """The label the classifier gives each text."""
    if not texts:
        return []
    answers = classifier(list(texts), batch_size=batch_size, truncation=True)
    return [answer["label"] for answer in answers]


@contextmanager
def mlflow_run() -> Iterator[Any]:
    """The active MLflow run, else a new run for the duration of the block.

    In Azure ML the new run is the job's own run (MLflow finds it through the job's environment); the
    local runner starts one run per step itself.
    """
    import mlflow

    active = mlflow.active_run()
    if active is not None:
        yield active
        return
    with mlflow.start_run() as run:
        yield run

"""What every pipeline step reads and writes the same way, whatever the project type: the error for input a
step cannot use, MLflow models on disk or behind a URI (the deployed one among them, which score.py loads),
and the MLflow run a step logs to.

The steps import this module as a sibling (``from step_io import DataError``): Azure ML uploads the whole src
folder as the code of every step, and the tests put the folder on ``sys.path``. The project type's own
facts (columns, file formats, metrics) are in common.py.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

MLMODEL = "MLmodel"  # the file that marks the root folder of an MLflow model
MODEL_DIR_VARIABLE = "AZUREML_MODEL_DIR"  # where Azure ML puts the model of a deployment


class DataError(ValueError):
    """Input that a step cannot use; its main() prints the message and returns 1."""


def is_uri(location: str) -> bool:
    """Whether a model ``location`` is an MLflow model URI (``models:/``, ``runs:/``, ``scheme://``), not a folder."""
    return "://" in location or location.startswith(("models:/", "runs:/"))


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


def deployed_model_dir(root: str | None = None) -> Path:
    """The folder of the deployed MLflow model below ``root`` (default: the folder Azure ML names in
    AZUREML_MODEL_DIR). RuntimeError, which stops the deployment from starting, when there is no such folder
    or it does not hold exactly one model."""
    root = os.environ.get(MODEL_DIR_VARIABLE) if root is None else root
    if not root:
        raise RuntimeError(f"the environment variable {MODEL_DIR_VARIABLE} must name the model folder")
    try:
        return find_model_dir(Path(root))
    except DataError as error:
        raise RuntimeError(str(error)) from None


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


def split_args(
    argv: Sequence[str] | None, doc: str, *, raw_data_help: str, test_size: float, test_size_help: str
) -> argparse.Namespace:
    """The command line of every project type's prep.py (``doc``: its docstring, whose first paragraph describes
    it), the same flags that the pipelines pass: what to read, where to write the training and the test data,
    the share held out for testing and the seed of the split."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--raw-data", type=Path, required=True, help=raw_data_help)
    parser.add_argument("--train-data", type=Path, required=True, help="output folder for the training data")
    parser.add_argument("--test-data", type=Path, required=True, help="output folder for the test data")
    parser.add_argument("--test-size", type=share, default=test_size, help=test_size_help)
    parser.add_argument("--seed", type=int, default=42, help="seed of the random split (42)")
    return parser.parse_args(argv)


def share(text: str) -> float:
    """A command-line value that is a share: a number between 0 and 1, both left out."""
    value = float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must lie between 0 and 1, not {text}")
    return value

"""Shared fixtures of the data-science tests.

The step modules in ../src are imported as top-level modules, as Azure ML runs them. Every test tracks
to one throwaway MLflow store (SQLite) in a temporary folder, never to the working directory, and makes
its own small table of trips with make_sample_data.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import mlflow
import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src"
if str(SOURCE) not in sys.path:
    sys.path.insert(0, str(SOURCE))

# The committed sample table, at the project root.
SAMPLE_DATA = Path(__file__).resolve().parents[2] / "data" / "taxi-trips.csv"
MLFLOW_VARIABLES = ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI", "MLFLOW_EXPERIMENT_NAME", "MLFLOW_EXPERIMENT_ID")
# Small forests keep the tests fast; the model's quality is tested on the sample data in test_run_local.
SMALL_FOREST = ("--n-estimators", "10", "--max-depth", "6")


def pytest_configure(config: pytest.Config) -> None:
    # MLflow's SQLite store uses a SQLAlchemy option that SQLAlchemy 2.1 deprecates: not this project's concern.
    config.addinivalue_line("filterwarnings", "ignore:The ``noload`` loader strategy is deprecated:DeprecationWarning")


@pytest.fixture(scope="session", autouse=True)
def mlflow_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One SQLite tracking store and registry for the session, with an experiment whose artifacts stay in it."""
    root = tmp_path_factory.mktemp("mlflow")
    saved = {name: os.environ.pop(name, None) for name in MLFLOW_VARIABLES}
    os.environ["MLFLOW_TRACKING_URI"] = f"sqlite:///{root / 'mlflow.db'}"
    mlflow.MlflowClient().create_experiment("tests", artifact_location=(root / "artifacts").as_uri())
    os.environ["MLFLOW_EXPERIMENT_NAME"] = "tests"
    yield root
    for name, value in saved.items():
        os.environ.pop(name, None)
        if value is not None:
            os.environ[name] = value


@pytest.fixture(autouse=True)
def no_open_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Each test starts without an active MLflow run and in its own working directory."""
    monkeypatch.chdir(tmp_path)
    yield
    while mlflow.active_run() is not None:
        mlflow.end_run()


def write_trips(path: Path, rows: int = 150, seed: int = 7) -> Path:
    import make_sample_data

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(make_sample_data.sample_csv(rows, seed), encoding="utf-8")
    return path


@pytest.fixture
def sample_data() -> Path:
    """The committed sample table; tests that need it are skipped where it is not part of the checkout."""
    if not SAMPLE_DATA.exists():
        pytest.skip(f"{SAMPLE_DATA} is not part of this checkout")
    return SAMPLE_DATA


@pytest.fixture
def make_trips() -> Callable[..., Path]:
    """Write a table of ``rows`` trips (made with ``seed``) to a CSV file."""
    return write_trips


@pytest.fixture
def raw_data(tmp_path: Path) -> Path:
    """A small table of trips, made for the test."""
    return write_trips(tmp_path / "raw" / "trips.csv")


@pytest.fixture
def split_data(tmp_path: Path, raw_data: Path) -> tuple[Path, Path]:
    """The training and test folders that prep.py makes of ``raw_data``."""
    import prep

    train_dir, test_dir = tmp_path / "train", tmp_path / "test"
    assert prep.main(["--raw-data", str(raw_data), "--train-data", str(train_dir), "--test-data", str(test_dir)]) == 0
    return train_dir, test_dir


@pytest.fixture
def train_model(tmp_path: Path, split_data: tuple[Path, Path]) -> Callable[..., Path]:
    """Train a model on ``split_data`` into a new folder; extra arguments go to train.py."""
    import train

    def _train(folder: str = "model", *arguments: str) -> Path:
        output = tmp_path / folder
        argv = ["--train-data", str(split_data[0]), "--model-output", str(output), *(arguments or SMALL_FOREST)]
        assert train.main(argv) == 0
        return output

    return _train

"""Fixtures of the taxi-fare tests: small tables of trips made with make_sample_data, the split that prep.py
makes of one, and models trained on it. step_fixtures.py adds what the tests of every project type share:
the import path of ../src and a throwaway MLflow store.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

pytest_plugins = ["step_fixtures"]

# The committed sample table, at the project root.
SAMPLE_DATA = Path(__file__).resolve().parents[2] / "data" / "taxi-trips.csv"
# Small forests keep the tests fast; the model's quality is tested on the sample data in test_run_local.
SMALL_FOREST = ("--n-estimators", "10", "--max-depth", "6")
# A single stump: clearly worse than a small forest.
WEAK_FOREST = ("--n-estimators", "1", "--max-depth", "1")


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


@pytest.fixture(scope="session")
def split_data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The training and test folders that prep.py makes of 150 trips (120 to train, 30 to test)."""
    import prep

    root = tmp_path_factory.mktemp("split")
    raw = write_trips(root / "raw" / "trips.csv")
    train_dir, test_dir = root / "train", root / "test"
    assert prep.main(["--raw-data", str(raw), "--train-data", str(train_dir), "--test-data", str(test_dir)]) == 0
    return train_dir, test_dir


def run_train(train_data: Path, output: Path, *arguments: str) -> Path:
    import train

    argv = ["--train-data", str(train_data), "--model-output", str(output), *(arguments or SMALL_FOREST)]
    assert train.main(argv) == 0
    return output


@pytest.fixture(scope="session")
def better_model(tmp_path_factory: pytest.TempPathFactory, split_data: tuple[Path, Path]) -> Path:
    """A small forest: its fares are far closer to the test fares than ``worse_model``'s."""
    return run_train(split_data[0], tmp_path_factory.mktemp("better") / "model", *SMALL_FOREST)


@pytest.fixture(scope="session")
def worse_model(tmp_path_factory: pytest.TempPathFactory, split_data: tuple[Path, Path]) -> Path:
    """A single stump."""
    return run_train(split_data[0], tmp_path_factory.mktemp("worse") / "model", *WEAK_FOREST)


@pytest.fixture
def train_model(tmp_path: Path, split_data: tuple[Path, Path]) -> Callable[..., Path]:
    """Train a model on ``split_data`` into a new folder; extra arguments go to train.py (default: SMALL_FOREST)."""

    def _train(folder: str = "model", *arguments: str) -> Path:
        return run_train(split_data[0], tmp_path / folder, *arguments)

    return _train

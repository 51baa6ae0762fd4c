"""Fixtures of the image-classifier tests: small image sets that make_sample_images makes. Training is what
takes time, so the split image set and two trained models (one that learned the shapes, one that did not)
are made once per session. step_fixtures.py adds what the tests of every project type share: the import
path of ../src and a throwaway MLflow store.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

pytest_plugins = ["step_fixtures"]

# The committed sample image set, at the project root.
SAMPLE_IMAGES = Path(__file__).resolve().parents[2] / "data" / "images"
IMAGE_SIZE = "24"
# One quick epoch of a narrow network: enough to test what a step writes, not to learn much.
QUICK = ("--epochs", "1", "--image-size", IMAGE_SIZE, "--width", "8", "--batch-size", "16")
# Enough training to tell the shapes apart on the test set of ``split_data``.
THOROUGH = (
    "--epochs",
    "10",
    "--image-size",
    IMAGE_SIZE,
    "--width",
    "8",
    "--batch-size",
    "8",
    "--learning-rate",
    "0.003",
)
# A learning rate so small that the network stays at its random start: a model worse than THOROUGH's.
UNTRAINED = ("--epochs", "1", "--image-size", IMAGE_SIZE, "--width", "8", "--learning-rate", "0.000001")


def write_images(folder: Path, per_class: int = 8, seed: int = 7, size: int = 24) -> Path:
    """An image set of ``per_class`` images of each shape in ``folder``."""
    import make_sample_images

    for relative, data in make_sample_images.sample_images(per_class, size, seed).items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_bytes(data)
    return folder


def run_train(train_data: Path, output: Path, *arguments: str) -> Path:
    import train

    argv = ["--train-data", str(train_data), "--model-output", str(output), *(arguments or QUICK)]
    assert train.main(argv) == 0
    return output


@pytest.fixture
def sample_images() -> Path:
    """The committed sample image set; tests that need it are skipped where it is not part of the checkout."""
    if not SAMPLE_IMAGES.is_dir():
        pytest.skip(f"{SAMPLE_IMAGES} is not part of this checkout")
    return SAMPLE_IMAGES


@pytest.fixture
def make_images() -> Callable[..., Path]:
    """Write an image set (``per_class`` images of each shape, made with ``seed``) into a folder."""
    return write_images


@pytest.fixture
def raw_data(tmp_path: Path) -> Path:
    """A small image set, made for the test."""
    return write_images(tmp_path / "raw")


@pytest.fixture(scope="session")
def split_data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The training and test folders that prep.py makes of 30 images per shape (22 to train, 8 to test)."""
    import prep

    root = tmp_path_factory.mktemp("split")
    raw = write_images(root / "raw", per_class=30)
    train_dir, test_dir = root / "train", root / "test"
    assert prep.main(["--raw-data", str(raw), "--train-data", str(train_dir), "--test-data", str(test_dir)]) == 0
    return train_dir, test_dir


@pytest.fixture(scope="session")
def good_model(tmp_path_factory: pytest.TempPathFactory, split_data: tuple[Path, Path]) -> Path:
    """A model that tells the shapes apart."""
    return run_train(split_data[0], tmp_path_factory.mktemp("good") / "model", *THOROUGH)


@pytest.fixture(scope="session")
def untrained_model(tmp_path_factory: pytest.TempPathFactory, split_data: tuple[Path, Path]) -> Path:
    """A model that has learned next to nothing: worse than ``good_model``."""
    return run_train(split_data[0], tmp_path_factory.mktemp("untrained") / "model", *UNTRAINED)


@pytest.fixture(scope="session")
def better_model(good_model: Path) -> Path:
    """The model the tests of every project type expect to win (step_fixtures.py)."""
    return good_model


@pytest.fixture(scope="session")
def worse_model(untrained_model: Path) -> Path:
    """The model the tests of every project type expect to lose (step_fixtures.py)."""
    return untrained_model


@pytest.fixture
def train_model(tmp_path: Path, split_data: tuple[Path, Path]) -> Callable[..., Path]:
    """Train a model on ``split_data`` into a new folder; extra arguments go to train.py (default: QUICK)."""

    def _train(folder: str = "model", *arguments: str) -> Path:
        return run_train(split_data[0], tmp_path / folder, *arguments)

    return _train

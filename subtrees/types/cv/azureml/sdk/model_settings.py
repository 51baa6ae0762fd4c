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

MODEL_NAME = "image-classifier"
EXPERIMENT = "image-classifier-training"
# The public image set of mlops/azureml: a .zip archive with one folder per class.
RAW_DATA = "https://cvbp-secondary.z19.web.core.windows.net/datasets/image_classification/fridgeObjects.zip"
TEST_SIZE = 0.25
TEST_SIZE_HELP = "share of each class kept for evaluation"
GATE_HELP = "accuracy gain needed to promote"
COMPUTE = "cpu-cluster"
GPU_COMPUTE = "gpu-cluster"
# torch from PyPI brings its own CUDA libraries: the base image needs none.
IMAGE = "mcr.microsoft.com/azureml/openmpi5.0-ubuntu24.04:20260901.v1"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """This model's flags of train/pipeline.py, whichever SDK version builds it: the GPU cluster of the train
    step and the network's hyperparameters."""
    parser.add_argument(
        "--gpu-compute",
        help=f"GPU cluster of the train step (default: gpu_cluster from config-infra, else {GPU_COMPUTE})",
    )
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=0.001)
    parser.add_argument("--image-size", type=int, default=64)


def hyperparameters(args: argparse.Namespace) -> dict[str, Any]:
    """The arguments of train/pipeline.py's build function that the hyperparameter flags of ``add_arguments``
    set (the GPU cluster is one of the options, workspace.training_options)."""
    names = ("epochs", "batch_size", "learning_rate", "image_size")
    return {name: getattr(args, name) for name in names}

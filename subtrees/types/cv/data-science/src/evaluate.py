"""Step 3, evaluate: score the candidate model on the test images and decide whether to promote it.

The candidate is compared with the production model, when one is given, on the same test images. Both
are scored with the same metrics: accuracy, and precision, recall and F1 of every class and their macro
average. The candidate is promoted when there is no production model, or when its accuracy is higher than
production's by at least --min-improvement (a share: 0.02 is two percentage points): the gate of the
register step. metrics.json and decision.json go to --evaluation-output; evaluation.py describes them and
the rule, which every project type shares. The main metrics and each class's F1 are logged to MLflow.

    python data-science/src/evaluate.py --model-input outputs/model --test-data outputs/test \\
        --evaluation-output outputs/evaluation [--production-model models:/image-classifier@production]

--production-model is a folder that holds an MLflow model (an Azure ML mlflow_model input) or an MLflow
model URI; an empty value means no production model. The models name their classes themselves, so a
production model trained on other classes is still compared fairly: an image of a class it does not know
counts as a wrong answer.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import evaluation
import mlflow.pytorch
from common import classification_metrics, image_tensor, read_image_set
from step_io import DataError, find_model_dir, is_uri

GATE = evaluation.Gate(metric="accuracy", label="accuracy", higher_is_better=True, at_most=1.0)
SUMMARY_METRICS = ("accuracy", "precision_macro", "recall_macro", "f1_macro")


def load_model(location: str) -> Any:
    """The network (an ``ImageClassifier``) of the MLflow model in the folder or at the URI ``location``."""
    if is_uri(location):
        model = mlflow.pytorch.load_model(location, map_location="cpu")
    else:
        model = mlflow.pytorch.load_model(str(find_model_dir(Path(location))), map_location="cpu")
    if not hasattr(model, "classes") or not hasattr(model, "image_size"):
        raise DataError(f"{location} is not an image classifier of this project (it names no classes)")
    return model.eval()


def predict(model: Any, files: Sequence[Path], batch_size: int = 64) -> list[str]:
    """The class name the model gives each image file."""
    from network import predict_probabilities

    images = [image_tensor(path, model.image_size) for path in files]
    probabilities = predict_probabilities(model, images, batch_size)
    return [model.classes[index] for index in probabilities.argmax(dim=1).tolist()]


def score(model: Any, test: dict[str, list[Path]]) -> dict[str, Any]:
    files = [path for paths in test.values() for path in paths]
    actual = [name for name, paths in test.items() for _ in paths]
    return classification_metrics(actual, predict(model, files), classes=test)


def describe_test(test: dict[str, list[Path]]) -> dict[str, Any]:
    return {"test_images": sum(len(paths) for paths in test.values()), "classes": list(test)}


def metric_key(text: str) -> str:
    """``text`` with the characters MLflow refuses in a metric name replaced."""
    return re.sub(r"[^A-Za-z0-9_\-. /]", "_", text)


def logged_metrics(prefix: str, metrics: dict[str, Any]) -> dict[str, float]:
    logged = {f"{prefix}_{name}": float(metrics[name]) for name in SUMMARY_METRICS}
    for name, scores in metrics["per_class"].items():
        logged[metric_key(f"{prefix}_f1.{name}")] = float(scores["f1"])
    return logged


EVALUATION = evaluation.Evaluation(
    gate=GATE,
    read_test=read_image_set,
    load_model=load_model,
    score=score,
    describe_test=describe_test,
    test_data_help="folder with one sub-folder per class",
    logged_metrics=logged_metrics,
)


def main(argv: Sequence[str] | None = None) -> int:
    return evaluation.main(argv, EVALUATION, description=__doc__.split("\n\n")[0])


if __name__ == "__main__":
    sys.exit(main())

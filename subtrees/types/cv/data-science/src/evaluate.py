"""Step 3, evaluate: score the candidate model on the test images and decide whether to promote it.

The candidate is compared with the production model, when one is given, on the same test images. Both
are scored with the same metrics: accuracy, and precision, recall and F1 of every class and their macro
average. The decision is the gate of the register step:

- no production model: promote (the candidate is the first model);
- otherwise promote only when the candidate's accuracy is higher than production's, by at least
  --min-improvement (a share: 0.02 is two percentage points).

Two files go to --evaluation-output: metrics.json (every metric of each model) and decision.json
({"promote": bool, "reason": str, "candidate": {...}, "production": {...} or null}). The main metrics and
the decision are also logged to the active MLflow run.

    python data-science/src/evaluate.py --model-input outputs/model --test-data outputs/test \\
        --evaluation-output outputs/evaluation [--production-model models:/image-classifier@production]

--production-model is a folder that holds an MLflow model (an Azure ML mlflow_model input) or an MLflow
model URI. A URI whose model or alias does not exist yet counts as no production model; a missing folder
is an error. An empty value means no production model. The models name their classes themselves, so a
production model trained on other classes is still compared fairly: an image of a class it does not know
counts as a wrong answer.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import mlflow
import mlflow.pytorch
from common import DataError, classification_metrics, find_model_dir, image_tensor, mlflow_run, read_image_set
from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import RESOURCE_DOES_NOT_EXIST, ErrorCode

METRICS_FILE = "metrics.json"
DECISION_FILE = "decision.json"
SUMMARY_METRICS = ("accuracy", "precision_macro", "recall_macro", "f1_macro")


def is_uri(location: str) -> bool:
    return "://" in location or location.startswith(("models:/", "runs:/"))


def load_model(location: str) -> Any:
    """The network (an ``ImageClassifier``) of the MLflow model in the folder or at the URI ``location``."""
    if is_uri(location):
        model = mlflow.pytorch.load_model(location, map_location="cpu")
    else:
        model = mlflow.pytorch.load_model(str(find_model_dir(Path(location))), map_location="cpu")
    if not hasattr(model, "classes") or not hasattr(model, "image_size"):
        raise DataError(f"{location} is not an image classifier of this project (it names no classes)")
    return model.eval()


def load_production(location: str | None) -> tuple[Any, str | None]:
    """The production model, or None and why there is none."""
    if not location:
        return None, "no production model was given"
    try:
        return load_model(location), None
    except MlflowException as error:
        if is_uri(location) and error.error_code == ErrorCode.Name(RESOURCE_DOES_NOT_EXIST):
            return None, f"there is no production model at {location} yet"
        raise


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


def decide(
    candidate: dict[str, Any], production: dict[str, Any] | None, min_improvement: float, missing: str | None
) -> dict[str, Any]:
    """The decision: promote a first model, or one whose accuracy beats production's by ``min_improvement``."""
    if production is None:
        promote = True
        reason = f"{missing or 'no production model'}: the candidate is promoted as the first model"
    else:
        improvement = candidate["accuracy"] - production["accuracy"]
        promote = improvement > 0 and improvement >= min_improvement
        comparison = (
            f"the candidate's accuracy {candidate['accuracy']:.4f} against production's {production['accuracy']:.4f} "
            f"(improvement {improvement:.4f}, required: more than 0 and at least {min_improvement:g})"
        )
        reason = ("promoted: " if promote else "not promoted: ") + comparison
    return {"promote": promote, "reason": reason, "candidate": candidate, "production": production}


def metric_key(text: str) -> str:
    """``text`` with the characters MLflow refuses in a metric name replaced."""
    return re.sub(r"[^A-Za-z0-9_\-. /]", "_", text)


def logged_metrics(prefix: str, metrics: dict[str, Any]) -> dict[str, float]:
    logged = {f"{prefix}_{name}": float(metrics[name]) for name in SUMMARY_METRICS}
    for name, scores in metrics["per_class"].items():
        logged[metric_key(f"{prefix}_f1.{name}")] = float(scores["f1"])
    return logged


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model-input", type=Path, required=True, help="folder of the candidate MLflow model")
    parser.add_argument("--test-data", type=Path, required=True, help="folder with one sub-folder per class")
    parser.add_argument("--evaluation-output", type=Path, required=True, help="folder for metrics.json, decision.json")
    parser.add_argument("--production-model", default=None, help="model folder or MLflow model URI to beat")
    parser.add_argument("--min-improvement", type=float, default=0.0, help="accuracy the candidate must gain (0)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if not 0 <= args.min_improvement <= 1:
        print("error: --min-improvement must lie between 0 and 1", file=sys.stderr)
        return 1
    try:
        test = read_image_set(args.test_data)
        candidate = score(load_model(str(args.model_input)), test)
        production_model, missing = load_production(args.production_model)
        production = score(production_model, test) if production_model is not None else None
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    decision = decide(candidate, production, args.min_improvement, missing)

    args.evaluation_output.mkdir(parents=True, exist_ok=True)
    metrics = {
        "test_images": sum(len(paths) for paths in test.values()),
        "classes": list(test),
        "candidate": candidate,
        "production": production,
    }
    (args.evaluation_output / METRICS_FILE).write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    (args.evaluation_output / DECISION_FILE).write_text(json.dumps(decision, indent=2) + "\n", encoding="utf-8")
    with mlflow_run():
        logged = logged_metrics("candidate", candidate)
        if production is not None:
            logged |= logged_metrics("production", production)
        mlflow.log_metrics({**logged, "promote": float(decision["promote"])})
        mlflow.set_tag("promotion_decision", decision["reason"])
    print(json.dumps({"promote": decision["promote"], "reason": decision["reason"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

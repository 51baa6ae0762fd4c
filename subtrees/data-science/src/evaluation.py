"""How the evaluate step works for every project type: score the candidate model on the test data, compare
it with the production model when there is one, and decide whether to promote it.

The project type's evaluate.py says what differs, in an ``Evaluation``: how its test data is read, how a
model is loaded and scored, and which metric gates the promotion (its ``Gate``). The rest is the same for
every type and lives here:

- the decision, the gate of the register step: no production model, promote (the candidate is the first
  model); otherwise promote only a candidate whose gate metric beats production's by more than 0 and by at
  least --min-improvement;
- --production-model is a folder that holds an MLflow model (an Azure ML mlflow_model input) or an MLflow
  model URI. A URI whose model or alias does not exist yet counts as no production model; a missing folder
  is an error. An empty value means no production model;
- the outputs: metrics.json (the metrics of each model) and decision.json ({"promote": bool, "reason": str,
  "candidate": {...}, "production": {...} or null}) in --evaluation-output; the metrics and the decision
  are also logged to the active MLflow run, and the decision is printed as one line of JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mlflow
from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import RESOURCE_DOES_NOT_EXIST, ErrorCode
from step_io import DataError, is_uri, mlflow_run

METRICS_FILE = "metrics.json"
DECISION_FILE = "decision.json"


@dataclass(frozen=True)
class Gate:
    """The metric that decides the promotion: its key in the metrics, its name in the reason, which way is
    better, and, for a metric that is a share (accuracy), the most --min-improvement can ask for."""

    metric: str
    label: str
    higher_is_better: bool
    at_most: float | None = None

    def improvement(self, candidate: dict[str, Any], production: dict[str, Any]) -> float:
        """How much better the candidate is than production on the gate metric (negative: worse)."""
        gain = candidate[self.metric] - production[self.metric]
        return gain if self.higher_is_better else -gain


def flat_metrics(prefix: str, metrics: dict[str, Any]) -> dict[str, float]:
    """Every number of ``metrics`` as an MLflow metric named ``<prefix>_<name>``."""
    return {f"{prefix}_{name}": value for name, value in metrics.items() if isinstance(value, int | float)}


def count_rows(test: Any) -> dict[str, Any]:
    """What metrics.json says about test data that is a table: how many rows it has."""
    return {"test_rows": len(test)}


@dataclass(frozen=True)
class Evaluation:
    """What a project type's evaluate step reads, scores and gates on.

    ``read_test(path)`` reads the test data (raising DataError for unusable input), ``load_model(location)``
    loads a model from a folder or an MLflow model URI, ``score(model, test)`` gives its metrics,
    ``describe_test(test)`` what metrics.json says about the test data, ``test_data_help`` what --test-data
    takes, and ``logged_metrics(prefix, metrics)`` which metrics are logged to MLflow. The defaults suit
    test data that is a table in CSV files.
    """

    gate: Gate
    read_test: Callable[[Path], Any]
    load_model: Callable[[str], Any]
    score: Callable[[Any, Any], dict[str, Any]]
    describe_test: Callable[[Any], dict[str, Any]] = count_rows
    test_data_help: str = "folder (or CSV file) of test rows"
    logged_metrics: Callable[[str, dict[str, Any]], dict[str, float]] = flat_metrics


def decide(
    gate: Gate,
    candidate: dict[str, Any],
    production: dict[str, Any] | None,
    min_improvement: float,
    missing: str | None,
) -> dict[str, Any]:
    """The promotion decision: promote a first model, or one whose gate metric beats production's by enough."""
    if production is None:
        promote = True
        reason = f"{missing or 'no production model'}: the candidate is promoted as the first model"
    else:
        improvement = gate.improvement(candidate, production)
        promote = improvement > 0 and improvement >= min_improvement
        comparison = (
            f"the candidate's {gate.label} {candidate[gate.metric]:.4f} against production's "
            f"{production[gate.metric]:.4f} (improvement {improvement:.4f}, required: more than 0 and at least "
            f"{min_improvement:g})"
        )
        reason = ("promoted: " if promote else "not promoted: ") + comparison
    return {"promote": promote, "reason": reason, "candidate": candidate, "production": production}


def load_production(location: str | None, load_model: Callable[[str], Any]) -> tuple[Any, str | None]:
    """The production model, or None and why there is none."""
    if not location:
        return None, "no production model was given"
    try:
        return load_model(location), None
    except MlflowException as error:
        if is_uri(location) and error.error_code == ErrorCode.Name(RESOURCE_DOES_NOT_EXIST):
            return None, f"there is no production model at {location} yet"
        raise


def parse_args(argv: Sequence[str] | None, evaluation: Evaluation, description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--model-input", type=Path, required=True, help="folder of the candidate MLflow model")
    parser.add_argument("--test-data", type=Path, required=True, help=evaluation.test_data_help)
    parser.add_argument("--evaluation-output", type=Path, required=True, help="folder for metrics.json, decision.json")
    parser.add_argument("--production-model", default=None, help="model folder or MLflow model URI to beat")
    parser.add_argument(
        "--min-improvement", type=float, default=0.0, help=f"{evaluation.gate.label} the candidate must gain (0)"
    )
    return parser.parse_args(argv)


def bad_min_improvement(value: float, gate: Gate) -> str | None:
    """Why --min-improvement ``value`` cannot be used with ``gate``, or None."""
    if gate.at_most is not None and not 0 <= value <= gate.at_most:
        return f"--min-improvement must lie between 0 and {gate.at_most:g}"
    if value < 0:
        return "--min-improvement must not be negative"
    return None


def main(argv: Sequence[str] | None, evaluation: Evaluation, description: str) -> int:
    """The evaluate step's command line with ``evaluation`` of the project type; the exit code."""
    args = parse_args(argv, evaluation, description)
    problem = bad_min_improvement(args.min_improvement, evaluation.gate)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    try:
        test = evaluation.read_test(args.test_data)
        candidate = evaluation.score(evaluation.load_model(str(args.model_input)), test)
        production_model, missing = load_production(args.production_model, evaluation.load_model)
        production = evaluation.score(production_model, test) if production_model is not None else None
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    decision = decide(evaluation.gate, candidate, production, args.min_improvement, missing)

    args.evaluation_output.mkdir(parents=True, exist_ok=True)
    metrics = {**evaluation.describe_test(test), "candidate": candidate, "production": production}
    (args.evaluation_output / METRICS_FILE).write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    (args.evaluation_output / DECISION_FILE).write_text(json.dumps(decision, indent=2) + "\n", encoding="utf-8")
    with mlflow_run():
        logged = evaluation.logged_metrics("candidate", candidate)
        if production is not None:
            logged |= evaluation.logged_metrics("production", production)
        mlflow.log_metrics({**logged, "promote": float(decision["promote"])})
        mlflow.set_tag("promotion_decision", decision["reason"])
    print(json.dumps({"promote": decision["promote"], "reason": decision["reason"]}))
    return 0

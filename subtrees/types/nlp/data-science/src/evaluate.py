"""Step 3, evaluate: score the candidate model on the test data and decide whether to promote it.

The candidate is compared with the production model, when one is given, on the same test rows: accuracy
and macro-averaged F1 of the predicted labels. The decision is the gate of the register step:

- no production model: promote (the candidate is the first model);
- otherwise promote only when the candidate's macro F1 is higher than production's, by at least
  --min-improvement.

Two files go to --evaluation-output: metrics.json (the metrics of each model) and decision.json
({"promote": bool, "reason": str, "candidate": {...}, "production": {...} or null}). The metrics and the
decision are also logged to the active MLflow run.

    python data-science/src/evaluate.py --model-input outputs/model --test-data outputs/test \\
        --evaluation-output outputs/evaluation [--production-model models:/review-sentiment-model/1]

--production-model is a folder that holds an MLflow model (an Azure ML mlflow_model input) or an MLflow
model URI. A URI whose model or alias does not exist yet counts as no production model; a missing folder
is an error. An empty value means no production model.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import mlflow
from common import LABEL, TEXT, DataError, classification_metrics, is_uri, load_classifier, mlflow_run, predict_labels
from common import read_rows as read_test_rows
from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import RESOURCE_DOES_NOT_EXIST, ErrorCode

METRICS_FILE = "metrics.json"
DECISION_FILE = "decision.json"
GATE_METRIC = "f1_macro"


def load_production(location: str | None) -> tuple[Any, str | None]:
    """The production model, or None and why there is none."""
    if not location:
        return None, "no production model was given"
    try:
        return load_classifier(location), None
    except MlflowException as error:
        if is_uri(location) and error.error_code == ErrorCode.Name(RESOURCE_DOES_NOT_EXIST):
            return None, f"there is no production model at {location} yet"
        raise


def score(classifier: Any, test: Sequence[dict[str, str]]) -> dict[str, float]:
    predicted = predict_labels(classifier, [row[TEXT] for row in test])
    return classification_metrics([row[LABEL] for row in test], predicted)


def decide(
    candidate: dict[str, float], production: dict[str, float] | None, min_improvement: float, missing: str | None
) -> dict[str, Any]:
    """The promotion decision: promote a first model, or one whose macro F1 beats production's by enough."""
    if production is None:
        promote = True
        reason = f"{missing or 'no production model'}: the candidate is promoted as the first model"
    else:
        improvement = candidate[GATE_METRIC] - production[GATE_METRIC]
        promote = improvement > 0 and improvement >= min_improvement
        comparison = (
            f"the candidate's macro F1 {candidate[GATE_METRIC]:.4f} against production's "
            f"{production[GATE_METRIC]:.4f} (improvement {improvement:.4f}, required: more than 0 and at least "
            f"{min_improvement:g})"
        )
        reason = ("promoted: " if promote else "not promoted: ") + comparison
    return {"promote": promote, "reason": reason, "candidate": candidate, "production": production}


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model-input", type=Path, required=True, help="folder of the candidate MLflow model")
    parser.add_argument("--test-data", type=Path, required=True, help="folder (or CSV file) of test rows")
    parser.add_argument("--evaluation-output", type=Path, required=True, help="folder for metrics.json, decision.json")
    parser.add_argument("--production-model", default=None, help="model folder or MLflow model URI to beat")
    parser.add_argument(
        "--min-improvement", type=float, default=0.0, help="macro F1 the candidate must gain (default 0)"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.min_improvement < 0:
        print("error: --min-improvement must not be negative", file=sys.stderr)
        return 1
    try:
        test = read_test_rows(args.test_data)
        candidate = score(load_classifier(str(args.model_input)), test)
        production_model, missing = load_production(args.production_model)
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    production = score(production_model, test) if production_model is not None else None
    decision = decide(candidate, production, args.min_improvement, missing)

    args.evaluation_output.mkdir(parents=True, exist_ok=True)
    metrics = {"test_rows": len(test), "candidate": candidate, "production": production}
    (args.evaluation_output / METRICS_FILE).write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    (args.evaluation_output / DECISION_FILE).write_text(json.dumps(decision, indent=2) + "\n", encoding="utf-8")
    with mlflow_run():
        logged = {f"candidate_{name}": value for name, value in candidate.items()}
        logged |= {f"production_{name}": value for name, value in (production or {}).items()}
        mlflow.log_metrics({**logged, "promote": float(decision["promote"])})
        mlflow.set_tag("promotion_decision", decision["reason"])
    print(json.dumps({"promote": decision["promote"], "reason": decision["reason"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Step 4, register: add the candidate to the MLflow model registry, only if the evaluation promoted it.

The step reads decision.json from the evaluate step's output. When it says promote, the model folder is
logged, unchanged, to the active MLflow run and registered as a new version of --model-name, tagged
with the candidate's numeric test metrics; in Azure ML the registry is the workspace's. When it does
not, nothing is registered. Both outcomes exit with 0 and are written to registration.json in
--registration-output: {"registered": bool, "name": str, "version": str or null, "reason": str}.

    python data-science/src/register.py --model-input outputs/model --evaluation-output outputs/evaluation \\
        --model-name <registered model name> --registration-output outputs/registration
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import mlflow
from step_io import DataError, find_model_dir, mlflow_run

DECISION_FILE = "decision.json"
REGISTRATION_FILE = "registration.json"
ARTIFACT_PATH = "model"  # where the model goes inside the run's artifacts


def read_decision(evaluation_output: Path) -> dict[str, Any]:
    path = evaluation_output / DECISION_FILE
    try:
        decision = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(f"{path} does not exist: run the evaluate step first") from None
    except json.JSONDecodeError as error:
        raise DataError(f"{path} is not valid JSON: {error}") from None
    if not isinstance(decision, dict) or not isinstance(decision.get("promote"), bool):
        raise DataError(f"{path} must hold an object with a true/false 'promote'")
    return decision


def register(model_dir: Path, name: str, decision: dict[str, Any]) -> str:
    """Log ``model_dir`` to the active run and register it as a new version of ``name``; its version."""
    candidate = decision.get("candidate") or {}
    tags = {f"test_{metric}": str(value) for metric, value in candidate.items() if isinstance(value, int | float)}
    with mlflow_run() as run:
        mlflow.log_artifacts(str(model_dir), artifact_path=ARTIFACT_PATH)
        version = mlflow.register_model(f"runs:/{run.info.run_id}/{ARTIFACT_PATH}", name, tags=tags)
        mlflow.set_tag("registered_model", f"{name}:{version.version}")
    return str(version.version)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model-input", type=Path, required=True, help="folder of the candidate MLflow model")
    parser.add_argument("--evaluation-output", type=Path, required=True, help="folder with decision.json")
    parser.add_argument("--model-name", required=True, help="name of the registered model")
    parser.add_argument("--registration-output", type=Path, default=None, help="folder for registration.json")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        decision = read_decision(args.evaluation_output)
        model_dir = find_model_dir(args.model_input)
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if decision["promote"]:
        version: str | None = register(model_dir, args.model_name, decision)
        reason = f"registered as version {version}; {decision.get('reason', '')}".rstrip("; ")
    else:
        version = None
        reason = f"not registered; {decision.get('reason', 'the evaluation did not promote the candidate')}"
    registration = {"registered": version is not None, "name": args.model_name, "version": version, "reason": reason}
    if args.registration_output is not None:
        args.registration_output.mkdir(parents=True, exist_ok=True)
        text = json.dumps(registration, indent=2) + "\n"
        (args.registration_output / REGISTRATION_FILE).write_text(text, encoding="utf-8")
    print(json.dumps(registration))
    return 0


if __name__ == "__main__":
    sys.exit(main())

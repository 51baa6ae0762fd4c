"""Run the four pipeline steps on this machine, one after the other: what run_local.py of every project
type does once it has its arguments. The project type's run_local.py says how its model is trained (the
train step's flags) and what MLflow should record about the run; everything else is here.

MLflow tracks the steps in a local SQLite store under the output folder: one parent run with a nested run
per step, and a model registry in which register.py adds a version whenever evaluate.py promotes the
candidate.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

STEP_OUTPUTS = ("train", "test", "model", "evaluation", "registration")


@contextmanager
def local_tracking(output: Path, experiment: str) -> Iterator[str]:
    """Point MLflow at a SQLite store in ``output`` for the duration of the block; the experiment's id."""
    from mlflow.tracking import MlflowClient

    saved = {name: os.environ.get(name) for name in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI")}
    os.environ["MLFLOW_TRACKING_URI"] = f"sqlite:///{output / 'mlflow.db'}"
    os.environ.pop("MLFLOW_REGISTRY_URI", None)  # the registry lives in the same store
    try:
        client = MlflowClient()
        found = client.get_experiment_by_name(experiment)
        if found is not None:
            experiment_id = found.experiment_id
        else:
            artifacts = (output / "mlartifacts").as_uri()
            experiment_id = client.create_experiment(experiment, artifact_location=artifacts)
        yield experiment_id
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def flags(**values: object) -> list[str]:
    """Command-line arguments: ``flags(raw_data="data")`` is ``["--raw-data", "data"]``; None is left out."""
    argv: list[str] = []
    for name, value in values.items():
        if value is not None:
            argv += ["--" + name.replace("_", "-"), str(value)]
    return argv


def add_input_arguments(
    parser: argparse.ArgumentParser, *, model_name: str, raw_data_help: str, test_size: float, test_size_help: str
) -> None:
    """The flags every run_local.py has before its training flags: data, outputs, the model to beat."""
    parser.add_argument("--raw-data", type=Path, required=True, help=raw_data_help)
    parser.add_argument("--output", type=Path, default=Path("outputs"), help="folder for everything (outputs)")
    parser.add_argument("--production-model", default=None, help="model folder or MLflow model URI to beat")
    parser.add_argument("--model-name", default=model_name, help=f"registered model name ({model_name})")
    parser.add_argument("--test-size", type=float, default=test_size, help=test_size_help)


def add_gate_arguments(parser: argparse.ArgumentParser, *, min_improvement_help: str, seed_help: str) -> None:
    """The flags every run_local.py has after its training flags: the promotion gate and the seed."""
    parser.add_argument("--min-improvement", type=float, default=0.0, help=min_improvement_help)
    parser.add_argument("--seed", type=int, default=42, help=seed_help)


def steps(
    args: argparse.Namespace, output: Path, train_flags: Mapping[str, Any]
) -> list[tuple[str, Callable[[list[str]], int], list[str]]]:
    """Each step's name, entry point and arguments, in order; ``train_flags`` are the train step's own."""
    import evaluate
    import prep
    import register
    import train

    train_data, test_data, model = output / "train", output / "test", output / "model"
    evaluation, registration = output / "evaluation", output / "registration"
    return [
        (
            "prep",
            prep.main,
            flags(
                raw_data=args.raw_data,
                train_data=train_data,
                test_data=test_data,
                test_size=args.test_size,
                seed=args.seed,
            ),
        ),
        ("train", train.main, flags(train_data=train_data, model_output=model, **train_flags, seed=args.seed)),
        (
            "evaluate",
            evaluate.main,
            flags(
                model_input=model,
                test_data=test_data,
                evaluation_output=evaluation,
                production_model=args.production_model or None,
                min_improvement=args.min_improvement,
            ),
        ),
        (
            "register",
            register.main,
            flags(
                model_input=model,
                evaluation_output=evaluation,
                model_name=args.model_name,
                registration_output=registration,
            ),
        ),
    ]


def run(args: argparse.Namespace, *, experiment: str, train_flags: Mapping[str, Any], params: Mapping[str, str]) -> int:
    """Run prep -> train -> evaluate -> register into ``args.output`` and print the decision; the exit code.

    ``params`` are logged on the parent MLflow run, beside raw_data and production_model.
    """
    if not args.raw_data.exists():
        print(f"error: {args.raw_data} does not exist", file=sys.stderr)
        return 1
    output = args.output.resolve()
    output.mkdir(parents=True, exist_ok=True)
    for name in STEP_OUTPUTS:
        shutil.rmtree(output / name, ignore_errors=True)

    import mlflow

    with (
        local_tracking(output, experiment) as experiment_id,
        mlflow.start_run(experiment_id=experiment_id, run_name="pipeline"),
    ):
        mlflow.log_params({"raw_data": str(args.raw_data), **params, "production_model": args.production_model or ""})
        for name, entry_point, step_args in steps(args, output, train_flags):
            print(f"--- {name}", flush=True)
            with mlflow.start_run(experiment_id=experiment_id, run_name=name, nested=True):
                code = entry_point(step_args)
            if code != 0:
                print(f"error: the {name} step failed (exit code {code})", file=sys.stderr)
                return code

    decision = json.loads((output / "evaluation" / "decision.json").read_text(encoding="utf-8"))
    registration = json.loads((output / "registration" / "registration.json").read_text(encoding="utf-8"))
    print("--- result")
    print(f"promotion decision: {'promote' if decision['promote'] else 'do not promote'} ({decision['reason']})")
    print(f"registration: {registration['reason']}")
    print(f"outputs in {output}")
    return 0

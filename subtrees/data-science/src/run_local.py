"""Run the whole training pipeline on this machine: prep -> train -> evaluate -> register.

The same four steps as the Azure ML pipeline, with the same arguments, one after the other, offline. The
flags that --help lists are the run's; every other flag goes to train.py (`python data-science/src/train.py
--help` lists them), for example a hyperparameter. The model is registered as common.MODEL_NAME.

    python data-science/src/run_local.py --raw-data <raw data, as prep.py takes it> --output outputs

MLflow tracks the steps in a local SQLite store under --output: one parent run with a nested run per step,
and a model registry in which register.py adds a version whenever evaluate.py promotes the candidate. Look
at it with `mlflow ui --backend-store-uri sqlite:///outputs/mlflow.db`. Files written under --output:
train/ and test/ (prep), model/ (train), evaluation/metrics.json and evaluation/decision.json (evaluate),
registration/registration.json (register), mlflow.db and mlartifacts/ (the MLflow store, kept between
runs). Each run replaces the step outputs of the run before.

--production-model is the model to beat, as evaluate.py takes it: a model folder (say, a copy of an earlier
outputs/model) or a URI such as models:/<model name>/1 from the local registry.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from step_io import share

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


def parse_args(argv: Sequence[str] | None) -> tuple[argparse.Namespace, list[str]]:
    """The run's flags, and the flags left over for train.py."""
    import common
    import evaluate
    import prep

    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Any other flag goes to train.py: python data-science/src/train.py --help lists them.",
        allow_abbrev=False,  # an abbreviation is never taken for one of train.py's flags
    )
    parser.add_argument("--raw-data", type=Path, required=True, help=prep.RAW_DATA_HELP)
    parser.add_argument("--output", type=Path, default=Path("outputs"), help="folder for everything (outputs)")
    parser.add_argument("--production-model", default=None, help="model folder or MLflow model URI to beat")
    parser.add_argument("--model-name", default=common.MODEL_NAME, help=f"registered model name ({common.MODEL_NAME})")
    parser.add_argument("--test-size", type=share, default=prep.TEST_SIZE, help=prep.TEST_SIZE_HELP)
    parser.add_argument(
        "--min-improvement", type=float, default=0.0, help=f"{evaluate.GATE.label} the candidate must gain (0)"
    )
    parser.add_argument("--seed", type=int, default=42, help="seed of the split and the training (42)")
    return parser.parse_known_args(argv)


def steps(
    args: argparse.Namespace, output: Path, train_flags: Sequence[str]
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
        ("train", train.main, [*flags(train_data=train_data, model_output=model, seed=args.seed), *train_flags]),
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run prep -> train -> evaluate -> register into --output and print the decision; the exit code."""
    import common

    args, train_flags = parse_args(argv)
    train_flags = [*flags(**common.LOCAL_TRAINING), *train_flags]  # the flags given last win
    if not args.raw_data.exists():
        print(f"error: {args.raw_data} does not exist", file=sys.stderr)
        return 1
    output = args.output.resolve()
    output.mkdir(parents=True, exist_ok=True)
    for name in STEP_OUTPUTS:
        shutil.rmtree(output / name, ignore_errors=True)

    import mlflow

    with (
        local_tracking(output, common.LOCAL_EXPERIMENT) as experiment_id,
        mlflow.start_run(experiment_id=experiment_id, run_name="pipeline"),
    ):
        mlflow.log_params(
            {
                "raw_data": str(args.raw_data),
                "production_model": args.production_model or "",
                "train_flags": " ".join(train_flags),
            }
        )
        for name, entry_point, step_args in steps(args, output, train_flags):
            print(f"--- {name}", flush=True)
            with mlflow.start_run(experiment_id=experiment_id, run_name=name, nested=True):
                try:
                    code = entry_point(step_args)
                except SystemExit as stopped:  # argparse of the step: a flag it does not take
                    code = stopped.code if isinstance(stopped.code, int) else 2
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


if __name__ == "__main__":
    sys.exit(main())

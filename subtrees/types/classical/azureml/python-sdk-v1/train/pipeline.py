"""Build the taxi-fare training pipeline with the Azure ML Python SDK v1 (azureml-core) and submit it.

END OF SUPPORT: Azure ML SDK v1 is past Microsoft's end of support since 30 June 2026 (training.py beside this
file says what that means). Move to the SDK v2 flavour: `copier update --trust -d mlops_version=python-sdk-v2`.

The pipeline has four PythonScriptSteps, each a script of data-science/src, joined by PipelineData:

    prep      prep.py      splits data/taxi-trips.csv into train and test data (seeded)
    train     train.py     fits the regression model and saves it as an MLflow model
    evaluate  evaluate.py  scores it on the test data, against the current production model if there
                           is one, and writes decision.json (promote or not)
    register  register.py  registers the model as taxi-fare-model only when decision.json says promote

Every step runs on the workspace's CPU cluster with a RunConfiguration whose environment is built from
data-science/environment/conda.yml. The workspace comes from config-infra-<environment>.yml at the project
root unless --resource-group/--workspace say otherwise; the subscription from --subscription-id,
$AZURE_SUBSCRIPTION_ID or the Azure CLI's current account.

    pip install -r mlops/azureml/requirements.txt
    az login
    python mlops/azureml/train/pipeline.py --environment dev --wait
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import training  # noqa: E402  (train/training.py: the steps and the command line every model shares)
import workspace as project  # noqa: E402  (mlops/azureml/workspace.py: settings and helpers the scripts share)

RAW_DATA = project.PROJECT_ROOT / "data" / "taxi-trips.csv"
MODEL_NAME = "taxi-fare-model"
COMPUTE = "cpu-cluster"
EXPERIMENT = "taxi-fare-training"
IMAGE = "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:20250601.v1"
TEST_SIZE = 0.2
# Where the raw data is uploaded on the workspace's default datastore.
DATASTORE_FOLDER = "taxi-fare/raw-data"


def build_steps(
    raw_data: Any,
    *,
    compute: str = COMPUTE,
    model_name: str = MODEL_NAME,
    production_model: str | None = None,
    test_size: float = TEST_SIZE,
    seed: int = 42,
    n_estimators: int = 100,
    max_depth: int = 10,
    min_improvement: float = 0.0,
    run_config: Any = None,
) -> list[Any]:
    """The four PythonScriptSteps, built without a workspace (``training.Steps`` says what the arguments are)."""
    steps = training.Steps(
        raw_data,
        compute=compute,
        run_config=run_config or training.build_run_config("taxi-fare-train", IMAGE),
        model_name=model_name,
        production_model=production_model,
        test_size=test_size,
        seed=seed,
        min_improvement=min_improvement,
    )
    return steps.with_train(steps.parameter_flags(n_estimators=n_estimators, max_depth=max_depth))


def build_pipeline(workspace: Any, *, raw_data: Path = RAW_DATA, **step_options: Any) -> Any:
    """Upload ``raw_data`` to the workspace's default datastore and build the pipeline around it.

    ``step_options`` are the keyword arguments of ``build_steps``.
    """
    from azureml.pipeline.core import Pipeline

    dataset = training.upload(workspace, raw_data, DATASTORE_FOLDER)
    steps = build_steps(dataset.as_named_input("raw_data").as_download(), **step_options)
    return Pipeline(workspace=workspace, steps=steps, description="taxi-fare training: prep, train, evaluate, register")


# --- command line ------------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = training.argument_parser(
        "Build the taxi-fare training pipeline (prep -> train -> evaluate -> register) with the Azure ML SDK v1 "
        "and submit it.",
        compute_help=f"compute cluster (default: cpu_cluster from config-infra, else {COMPUTE})",
    )
    parser.add_argument("--raw-data", type=Path, default=RAW_DATA, help="local CSV file or folder (uploaded)")
    parser.add_argument("--n-estimators", type=int, default=100)
    parser.add_argument("--max-depth", type=int, default=10)
    project.add_training_arguments(
        parser,
        model_name=MODEL_NAME,
        experiment=EXPERIMENT,
        model_uri=f"an MLflow model URI such as models:/{MODEL_NAME}/3",
        gate_help="RMSE decrease needed to promote",
        test_size=TEST_SIZE,
        test_size_help="share of the rows kept for evaluation",
    )
    args = parser.parse_args(argv)
    if not args.raw_data.exists():
        parser.error(f"--raw-data {args.raw_data}: no such file or folder")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Build the pipeline and submit it. Returns the exit code."""
    args = parse_args(argv)

    def build(workspace: Any, config: Mapping[str, Any], production_model: str | None) -> Any:
        return build_pipeline(
            workspace,
            **project.training_options(args, production_model),
            compute=args.compute or config.get("cpu_cluster") or COMPUTE,
            n_estimators=args.n_estimators,
            max_depth=args.max_depth,
        )

    return training.submit(args, build)


if __name__ == "__main__":
    sys.exit(main())

"""Submit this project's training pipeline to Azure ML with the Python SDK v1 (azureml-core).

WARNING: Azure ML SDK v1 is past Microsoft's end of support. It was deprecated on 31 March 2025
and its support ended on 30 June 2026: existing pipelines keep running, but the SDK gets no
more fixes, security fixes included. Keep this flavour only while you migrate legacy code, and
move to the python-sdk-v2 or aml-cli-v2 flavour of mlops-factory.

The pipeline has one PythonScriptStep, data-science/src/train.py, which
fits the regression model to the tabular data.
It runs on the cpu-cluster compute with the environment of data-science/environment/conda.yml
and reads data/taxi-trips.csv.

CI runs this script after logging in to Azure; after `az login` you can run it too:

    pip install -r mlops/azureml/train/requirements.txt
    python mlops/azureml/train/pipeline.py --subscription-id ID --resource-group RG --workspace WS --wait
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[3]
CODE = PROJECT_ROOT / "data-science" / "src"
CONDA_FILE = PROJECT_ROOT / "data-science" / "environment" / "conda.yml"
DATA = PROJECT_ROOT / "data" / "taxi-trips.csv"
COMPUTE = "cpu-cluster"
IMAGE = "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:20250601.v1"
EXPERIMENT = "classical-training"
EXTRA_ARGUMENTS: list[str] = ["--target", "fare"]
# Lets an SDK v1 run mount its input dataset and upload its output folder.
DATASET_RUNTIME = "azureml-dataset-runtime[fuse]==1.62.0.post1"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--subscription-id",
        default=os.environ.get("AZURE_SUBSCRIPTION_ID"),
        help="Azure subscription of the workspace (default: $AZURE_SUBSCRIPTION_ID)",
    )
    parser.add_argument("--resource-group", required=True, help="resource group of the Azure ML workspace")
    parser.add_argument("--workspace", required=True, help="name of the Azure ML workspace")
    parser.add_argument("--compute", default=COMPUTE, help=f"compute cluster to train on (default: {COMPUTE})")
    parser.add_argument("--data", type=Path, default=DATA, help="local training data, uploaded on submit")
    parser.add_argument("--experiment-name", default=EXPERIMENT, help=f"default: {EXPERIMENT}")
    parser.add_argument("--wait", action="store_true", help="stream the run's logs and fail if the run fails")
    args = parser.parse_args(argv)
    if not args.subscription_id:
        parser.error("--subscription-id (or $AZURE_SUBSCRIPTION_ID) is required")
    if not args.data.exists():
        parser.error(f"--data {args.data} does not exist")
    return args


def build_pipeline(workspace: Any, data: Path, compute: str) -> Any:
    """Upload the data to the workspace's default datastore and build the one-step pipeline."""
    from azureml.core import Dataset, Environment
    from azureml.core.runconfig import RunConfiguration
    from azureml.data import OutputFileDatasetConfig
    from azureml.data.datapath import DataPath
    from azureml.pipeline.core import Pipeline
    from azureml.pipeline.steps import PythonScriptStep

    dataset = Dataset.File.upload_directory(
        src_dir=str(data if data.is_dir() else data.parent),
        target=DataPath(workspace.get_default_datastore(), f"{EXPERIMENT}/data"),
        pattern=None if data.is_dir() else data.name,
        overwrite=True,
        show_progress=False,
    )
    environment = Environment.from_conda_specification(name=EXPERIMENT, file_path=str(CONDA_FILE))
    environment.docker.base_image = IMAGE
    environment.python.conda_dependencies.add_pip_package(DATASET_RUNTIME)
    run_config = RunConfiguration()
    run_config.environment = environment
    data_input = dataset.as_named_input("training_data").as_mount()
    model_output = OutputFileDatasetConfig(name="model_output")

    step = PythonScriptStep(
        name="train",
        script_name="train.py",
        source_directory=str(CODE),
        arguments=["--data", data_input, *EXTRA_ARGUMENTS, "--output", model_output],
        compute_target=compute,
        runconfig=run_config,
        allow_reuse=False,
    )
    return Pipeline(workspace=workspace, steps=[step], description=__doc__.split("\n\n")[0])


def main(argv: Sequence[str] | None = None) -> int:
    """Build the pipeline and submit it. Returns the exit code."""
    args = parse_args(argv)

    from azureml.core import Experiment, Workspace
    from azureml.core.authentication import AzureCliAuthentication

    workspace = Workspace.get(
        name=args.workspace,
        subscription_id=args.subscription_id,
        resource_group=args.resource_group,
        auth=AzureCliAuthentication(),
    )
    pipeline = build_pipeline(workspace, args.data, args.compute)
    run = Experiment(workspace, args.experiment_name).submit(pipeline)
    print(f"Submitted pipeline run {run.id}: {run.get_portal_url()}")
    if args.wait:
        run.wait_for_completion(show_output=True, raise_on_error=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

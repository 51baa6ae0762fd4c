"""Submit this project's training pipeline to Azure ML with the Python SDK v2 (azure-ai-ml).

The pipeline has one command job, data-science/src/train.py, which
checks the image set (the image classifier comes later).
It runs on the gpu-cluster compute with the environment of data-science/environment/conda.yml
and reads data/images/ (one sub-folder per class, see data/README.md).

CI runs this script after logging in to Azure; after `az login` you can run it too:

    pip install -r mlops/azureml/train/requirements.txt
    python mlops/azureml/train/pipeline.py --subscription-id ID --resource-group RG --workspace WS --wait

With --dry-run it builds the pipeline job and prints it as YAML without contacting Azure.
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
DATA = PROJECT_ROOT / "data" / "images"
DATA_TYPE = "uri_folder"
COMPUTE = "gpu-cluster"
# The step needs no GPU yet; move to a CUDA image when the model arrives.
IMAGE = "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:20250601.v1"
EXPERIMENT = "cv-training"
TRAIN_COMMAND = "python train.py --data ${{inputs.data}} --output ${{outputs.model_output}}"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--subscription-id",
        default=os.environ.get("AZURE_SUBSCRIPTION_ID"),
        help="Azure subscription of the workspace (default: $AZURE_SUBSCRIPTION_ID)",
    )
    parser.add_argument("--resource-group", help="resource group of the Azure ML workspace")
    parser.add_argument("--workspace", help="name of the Azure ML workspace")
    parser.add_argument("--compute", default=COMPUTE, help=f"compute cluster to train on (default: {COMPUTE})")
    parser.add_argument("--data", type=Path, default=DATA, help="local training data, uploaded on submit")
    parser.add_argument("--experiment-name", default=EXPERIMENT, help=f"default: {EXPERIMENT}")
    parser.add_argument("--wait", action="store_true", help="stream the job's logs and fail if the job fails")
    parser.add_argument("--dry-run", action="store_true", help="print the pipeline job as YAML, submit nothing")
    args = parser.parse_args(argv)
    if not args.dry_run:
        missing = [
            flag
            for flag, value in (
                ("--subscription-id", args.subscription_id),
                ("--resource-group", args.resource_group),
                ("--workspace", args.workspace),
            )
            if not value
        ]
        if missing:
            parser.error(f"{', '.join(missing)} needed to submit the pipeline (or use --dry-run)")
    if not args.data.exists():
        parser.error(f"--data {args.data} does not exist")
    return args


def build_pipeline(data: Path = DATA, compute: str = COMPUTE) -> Any:
    """The pipeline job, built offline (no workspace needed): nothing is uploaded until it is submitted."""
    from azure.ai.ml import Input, Output, command, dsl
    from azure.ai.ml.entities import Environment

    train_component = command(
        name="train",
        display_name="train",
        code=CODE,
        command=TRAIN_COMMAND,
        inputs={"data": Input(type=DATA_TYPE)},
        outputs={"model_output": Output(type="uri_folder")},
        environment=Environment(image=IMAGE, conda_file=CONDA_FILE),
        compute=compute,
    )

    @dsl.pipeline(name=EXPERIMENT, display_name=EXPERIMENT, description=__doc__.split("\n\n")[0])
    def training_pipeline(training_data):
        train = train_component(data=training_data)
        return {"trained_model": train.outputs.model_output}

    return training_pipeline(training_data=Input(type=DATA_TYPE, path=str(data)))


def main(argv: Sequence[str] | None = None) -> int:
    """Build the pipeline and submit it (or print it with --dry-run). Returns the exit code."""
    args = parse_args(argv)
    job = build_pipeline(data=args.data, compute=args.compute)
    if args.dry_run:
        job.dump(sys.stdout)
        return 0

    from azure.ai.ml import MLClient
    from azure.identity import AzureCliCredential

    # The Azure CLI session: `az login` on a laptop, the OIDC / workload identity login in CI.
    client = MLClient(AzureCliCredential(), args.subscription_id, args.resource_group, args.workspace)
    submitted = client.jobs.create_or_update(job, experiment_name=args.experiment_name)
    print(f"Submitted pipeline job {submitted.name}: {submitted.studio_url}")
    if args.wait:
        client.jobs.stream(submitted.name)  # raises if the job fails
    return 0


if __name__ == "__main__":
    sys.exit(main())

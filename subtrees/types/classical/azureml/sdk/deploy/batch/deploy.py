"""Deploy the registered MLflow model taxi-fare-model to a batch endpoint; optionally score a CSV file with it.

With the Azure ML Python SDK v2 (azure-ai-ml), the script

1. creates the batch endpoint or leaves the existing one as it is,
2. creates or updates its deployment (default: taxi-fare-mlflow) with a version of taxi-fare-model, running on
   the workspace's CPU cluster: in dev the newest version registered in the workspace, in prod the newest one
   promoted to the Azure ML registry,
3. makes that deployment the endpoint's default, and
4. with --invoke, starts a batch scoring job on data/taxi-trips.csv (uploaded) or --input; with --wait, waits
   for it. The predictions land in the job's `score` output as predictions.csv, one row per input row.

The model is an MLflow model, so the deployment needs no scoring script or environment. Columns that the model
was not trained on (such as the target, fare_amount) are ignored by MLflow's input schema check.

The endpoint name, compute cluster, workspace and registry come from config-infra-<environment>.yml at the
project root; the subscription from --subscription-id, $AZURE_SUBSCRIPTION_ID or the Azure CLI's account.

    pip install -r mlops/azureml/requirements.txt
    python mlops/azureml/deploy/batch/deploy.py --dry-run        # print what it would create
    python mlops/azureml/deploy/batch/deploy.py --environment dev --invoke --wait
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import endpoints  # noqa: E402  (mlops/azureml/endpoints.py: command line and Azure steps of the deploy scripts)
import workspace  # noqa: E402  (mlops/azureml/workspace.py: settings and helpers the scripts share)

PROJECT_ROOT = workspace.PROJECT_ROOT
RAW_DATA = PROJECT_ROOT / "data" / "taxi-trips.csv"

MODEL_NAME = "taxi-fare-model"
DEPLOYMENT = "taxi-fare-mlflow"
LATEST = workspace.LATEST
# The newest version of the model in the workspace; the scripts resolve and print the exact version.
DEFAULT_MODEL = f"azureml:{MODEL_NAME}@{LATEST}"


def build_endpoint(name: str = "taxi-fare-batch", *, environment: str = "dev") -> Any:
    """The batch endpoint (an ``azure.ai.ml.entities.BatchEndpoint``), built offline."""
    from azure.ai.ml.entities import BatchEndpoint

    return BatchEndpoint(
        name=name,
        description=f"Taxi fare predictions for CSV files ({environment})",
        tags={"model": MODEL_NAME, "environment": environment},
    )


def build_deployment(
    endpoint_name: str = "taxi-fare-batch",
    model: str = DEFAULT_MODEL,
    *,
    name: str = DEPLOYMENT,
    compute: str = endpoints.COMPUTE,
    instance_count: int = 1,
    max_concurrency_per_instance: int = 2,
    mini_batch_size: int = 10,
) -> Any:
    """The batch deployment of an MLflow model (an ``azure.ai.ml.entities.ModelBatchDeployment``), built offline.

    ``model`` is a model reference (see ``model_uri``). Each mini batch is ``mini_batch_size`` input files; the
    predictions of all of them are appended to one output file.
    """
    from azure.ai.ml.constants import BatchDeploymentOutputAction
    from azure.ai.ml.entities import BatchRetrySettings, ModelBatchDeployment, ModelBatchDeploymentSettings

    return ModelBatchDeployment(
        name=name,
        endpoint_name=endpoint_name,
        description="taxi-fare-model, served by Azure ML's MLflow runtime (no scoring script)",
        model=model,
        compute=compute,
        settings=ModelBatchDeploymentSettings(
            instance_count=instance_count,
            max_concurrency_per_instance=max_concurrency_per_instance,
            mini_batch_size=mini_batch_size,
            output_action=BatchDeploymentOutputAction.APPEND_ROW,
            output_file_name=endpoints.OUTPUT_FILE,
            retry_settings=BatchRetrySettings(max_retries=3, timeout=300),
            logging_level="info",
        ),
        tags={"model": model},
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Create or update the endpoint and its deployment, make it the default; optionally run a scoring job."""
    args = endpoints.parse_batch_args(
        argv,
        "Deploy the registered MLflow model taxi-fare-model to the batch endpoint of "
        "config-infra-<environment>.yml; with --invoke, score a CSV file with it.",
        model_name=MODEL_NAME,
        deployment=DEPLOYMENT,
        input_default=RAW_DATA,
        input_help="CSV file or folder to score, local or azureml: (default: sample data)",
    )
    return endpoints.deploy_batch(args, build_endpoint=build_endpoint, build_deployment=build_deployment)


if __name__ == "__main__":
    sys.exit(main())

"""Deploy the registered text classifier review-sentiment-model to a batch endpoint; optionally score a CSV file.

With the Azure ML Python SDK v2 (azure-ai-ml), the script

1. creates the batch endpoint or leaves the existing one as it is,
2. creates or updates its deployment (default: review-sentiment-batch) with a version of review-sentiment-model,
   running on the workspace's CPU cluster: in dev the newest version registered in the workspace, in prod the newest one
   promoted to the Azure ML registry,
3. makes that deployment the endpoint's default, and
4. with --invoke, starts a batch scoring job on data/reviews.csv (uploaded) or --input; with --wait, waits
   for it. The predictions land in the job's `score` output as predictions.csv, one row per text: file, row,
   text, label, score.

The model is an MLflow model (a transformers text-classification pipeline) scored by
data-science/src/batch_score.py in the project's own environment (an Azure ML base image plus
data-science/environment/serving.yml, PyTorch's CPU build). Input files are CSV files with a `text`
column; other columns, such as `label`, are ignored.

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
RAW_DATA = PROJECT_ROOT / "data" / "reviews.csv"
SOURCE_DIR = PROJECT_ROOT / "data-science" / "src"
CONDA_FILE = PROJECT_ROOT / "data-science" / "environment" / "serving.yml"

MODEL_NAME = "review-sentiment-model"
DEPLOYMENT = "review-sentiment-batch"
SCORING_SCRIPT = "batch_score.py"
# The base image of data-science/pyproject.toml, written here by data-science/environment/generate.py.
IMAGE = "mcr.microsoft.com/azureml/openmpi5.0-ubuntu24.04:20260901.v1"
LATEST = workspace.LATEST
# The newest version of the model in the workspace; the scripts resolve and print the exact version.
DEFAULT_MODEL = f"azureml:{MODEL_NAME}@{LATEST}"


def build_endpoint(name: str = "review-sentiment-batch", *, environment: str = "dev") -> Any:
    """The batch endpoint (an ``azure.ai.ml.entities.BatchEndpoint``), built offline."""
    from azure.ai.ml.entities import BatchEndpoint

    return BatchEndpoint(
        name=name,
        description=f"Sentiment of CSV files of product reviews ({environment})",
        tags={"model": MODEL_NAME, "environment": environment},
    )


def build_deployment(
    endpoint_name: str = "review-sentiment-batch",
    model: str = DEFAULT_MODEL,
    *,
    name: str = DEPLOYMENT,
    compute: str = endpoints.COMPUTE,
    instance_count: int = 1,
    max_concurrency_per_instance: int = 1,
    mini_batch_size: int = 10,
) -> Any:
    """The batch deployment of the model with batch_score.py (an ``azure.ai.ml.entities.ModelBatchDeployment``),
    built offline.

    ``model`` is a model reference (see ``workspace.model_uri``). Each mini batch is ``mini_batch_size`` input
    files; the predictions of all of them are appended to one output file.
    """
    from azure.ai.ml.constants import BatchDeploymentOutputAction
    from azure.ai.ml.entities import (
        BatchRetrySettings,
        CodeConfiguration,
        Environment,
        ModelBatchDeployment,
        ModelBatchDeploymentSettings,
    )

    return ModelBatchDeployment(
        name=name,
        endpoint_name=endpoint_name,
        description="review-sentiment-model, scored by data-science/src/batch_score.py",
        model=model,
        code_configuration=CodeConfiguration(code=str(SOURCE_DIR), scoring_script=SCORING_SCRIPT),
        environment=Environment(image=IMAGE, conda_file=str(CONDA_FILE)),
        compute=compute,
        settings=ModelBatchDeploymentSettings(
            instance_count=instance_count,
            max_concurrency_per_instance=max_concurrency_per_instance,
            mini_batch_size=mini_batch_size,
            output_action=BatchDeploymentOutputAction.APPEND_ROW,
            output_file_name=endpoints.OUTPUT_FILE,
            retry_settings=BatchRetrySettings(max_retries=3, timeout=600),
            logging_level="info",
        ),
        tags={"model": model},
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Create or update the endpoint and its deployment, make it the default; optionally run a scoring job."""
    args = endpoints.parse_batch_args(
        argv,
        "Deploy the registered text classifier review-sentiment-model to the batch endpoint of "
        "config-infra-<environment>.yml; with --invoke, score a CSV file with it.",
        model_name=MODEL_NAME,
        deployment=DEPLOYMENT,
        input_default=RAW_DATA,
        input_help="CSV file or folder to score, local or azureml: (default: sample data)",
    )
    return endpoints.deploy_batch(args, build_endpoint=build_endpoint, build_deployment=build_deployment)


if __name__ == "__main__":
    sys.exit(main())

"""Deploy the registered text classifier review-sentiment-model to a managed online endpoint and smoke-test it.

With the Azure ML Python SDK v2 (azure-ai-ml), the script

1. creates the managed online endpoint (key authentication) or leaves the existing one as it is,
2. creates or updates the deployment (default: blue) with a version of review-sentiment-model: in dev the newest
   version registered in the workspace, in prod the newest one promoted to the Azure ML registry,
3. sends all of the endpoint's traffic to that deployment, and
4. posts sample-request.json (beside this script) to the deployment and checks that it answers with one label
   per text.

The model is an MLflow model (a transformers text-classification pipeline) served by data-science/src/score.py
in the project's own environment (an Azure ML base image plus data-science/environment/serving.yml, the packages
the model was trained with and the Azure ML inference server). score.py takes {"input_data": {"columns":
["text"], "data": [[...], ...]} } and answers [{"label": ..., "score": ...}, ...].

The endpoint name, workspace and registry come from config-infra-<environment>.yml at the project root;
the subscription from --subscription-id, $AZURE_SUBSCRIPTION_ID or the Azure CLI's current account.

    pip install -r mlops/azureml/requirements.txt
    python mlops/azureml/deploy/online/deploy.py --dry-run                 # print what it would create
    python mlops/azureml/deploy/online/deploy.py --environment dev
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import endpoints  # noqa: E402  (mlops/azureml/endpoints.py: command line and Azure steps of the deploy scripts)
import workspace  # noqa: E402  (mlops/azureml/workspace.py: settings and helpers the scripts share)

HERE = Path(__file__).resolve().parent
PROJECT_ROOT = workspace.PROJECT_ROOT
SAMPLE_REQUEST = HERE / "sample-request.json"
SOURCE_DIR = PROJECT_ROOT / "data-science" / "src"
CONDA_FILE = PROJECT_ROOT / "data-science" / "environment" / "serving.yml"

MODEL_NAME = "review-sentiment-model"
DEPLOYMENT = "blue"
SCORING_SCRIPT = "score.py"
# The base image of data-science/pyproject.toml, written here by data-science/environment/generate.py.
IMAGE = "mcr.microsoft.com/azureml/openmpi5.0-ubuntu24.04:20260901.v1"
INSTANCE_TYPE = "Standard_DS3_v2"
INSTANCE_COUNT = 1
LATEST = workspace.LATEST
TEXT = "text"
# The newest version of the model in the workspace; the scripts resolve and print the exact version.
DEFAULT_MODEL = f"azureml:{MODEL_NAME}@{LATEST}"


def build_endpoint(name: str = "review-sentiment-online", *, environment: str = "dev") -> Any:
    """The managed online endpoint (an ``azure.ai.ml.entities.ManagedOnlineEndpoint``), built offline."""
    from azure.ai.ml.entities import ManagedOnlineEndpoint

    return ManagedOnlineEndpoint(
        name=name,
        auth_mode="key",
        description=f"Sentiment of product reviews ({environment})",
        tags={"model": MODEL_NAME, "environment": environment},
    )


def build_deployment(
    endpoint_name: str = "review-sentiment-online",
    model: str = DEFAULT_MODEL,
    *,
    name: str = DEPLOYMENT,
    instance_type: str = INSTANCE_TYPE,
    instance_count: int = INSTANCE_COUNT,
) -> Any:
    """The deployment of the model with score.py (an ``azure.ai.ml.entities.ManagedOnlineDeployment``), built offline.

    ``model`` is a model reference (see ``workspace.model_uri``).
    """
    from azure.ai.ml.entities import CodeConfiguration, Environment, ManagedOnlineDeployment, OnlineRequestSettings

    return ManagedOnlineDeployment(
        name=name,
        endpoint_name=endpoint_name,
        model=model,
        code_configuration=CodeConfiguration(code=str(SOURCE_DIR), scoring_script=SCORING_SCRIPT),
        environment=Environment(image=IMAGE, conda_file=str(CONDA_FILE)),
        instance_type=instance_type,
        instance_count=instance_count,
        request_settings=OnlineRequestSettings(request_timeout_ms=10000),
        tags={"model": model},
    )


# --- the smoke request ------------------------------------------------------------------------------------------


def request_problems(request: Any) -> list[str]:
    """Why ``request`` is not a request score.py answers (empty when it is)."""
    body = request.get("input_data") if isinstance(request, dict) else None
    if not isinstance(body, dict) or not isinstance(body.get("columns"), list) or not body.get("data"):
        return ['the request has no "input_data" object with a "columns" list and a non-empty "data" list']
    problems = []
    if TEXT not in body["columns"]:
        problems.append(f'its columns lack "{TEXT}", the column the model classifies')
    width = len(body["columns"])
    if any(not isinstance(row, list) or len(row) != width for row in body["data"]):
        problems.append(f"every row of data must have {width} values, one per column")
    return problems


def prediction_problems(response: str, request: dict[str, Any]) -> list[str]:
    """Why the endpoint's answer is not one {"label", "score"} per row of ``request`` (empty when it is)."""
    rows = len(request["input_data"]["data"])
    try:
        answer = json.loads(response)
    except json.JSONDecodeError:
        return [f"the answer is not JSON: {response[:200]}"]
    if isinstance(answer, str):  # some servers send the JSON document as a JSON string
        try:
            answer = json.loads(answer)
        except json.JSONDecodeError:
            return [f"the answer is not a list of predictions: {answer[:200]}"]
    if not isinstance(answer, list):
        return [f"the answer is not a list of predictions: {response[:200]}"]
    problems = []
    if len(answer) != rows:
        problems.append(f"{len(answer)} predictions for {rows} texts")
    if not all(isinstance(item, dict) and isinstance(item.get("label"), str) for item in answer):
        problems.append(f"not every prediction has a label: {answer[:3]}")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    """Create or update the endpoint and its deployment, route traffic to it, smoke-test it."""
    args = endpoints.parse_online_args(
        argv,
        "Deploy the registered text classifier review-sentiment-model to the managed online endpoint "
        "of config-infra-<environment>.yml and send it sample-request.json.",
        model_name=MODEL_NAME,
        deployment=DEPLOYMENT,
        instance_type=INSTANCE_TYPE,
        instance_count=INSTANCE_COUNT,
        request_file=SAMPLE_REQUEST,
    )
    return endpoints.deploy_online(
        args,
        build_endpoint=build_endpoint,
        build_deployment=build_deployment,
        request_problems=request_problems,
        prediction_problems=prediction_problems,
    )


if __name__ == "__main__":
    sys.exit(main())

"""Deploy the registered MLflow model taxi-fare-model to a managed online endpoint and smoke-test it.

With the Azure ML Python SDK v2 (azure-ai-ml), the script

1. creates the managed online endpoint (key authentication) or leaves the existing one as it is,
2. creates or updates the deployment (default: blue) with a version of taxi-fare-model: in dev the newest
   version registered in the workspace, in prod the newest one promoted to the Azure ML registry,
3. sends all of the endpoint's traffic to that deployment, and
4. posts sample-request.json (beside this script) to the deployment and checks that it answers with one
   numeric prediction per row.

The model is an MLflow model, so the deployment needs no scoring script or environment: Azure ML serves it
with its MLflow runtime, which takes the request format of data-science/src/score.py: an "input_data" object
with the feature "columns" and the "data" rows.

The endpoint name, workspace and registry come from config-infra-<environment>.yml at the project root;
the subscription from --subscription-id, $AZURE_SUBSCRIPTION_ID or the Azure CLI's current account.

    pip install -r mlops/azureml/requirements.txt
    python mlops/azureml/deploy/online/deploy.py --dry-run                 # print what it would create
    python mlops/azureml/deploy/online/deploy.py --environment dev
    python mlops/azureml/deploy/online/deploy.py --write-sample-request   # after the data's columns changed
"""

from __future__ import annotations

import csv
import itertools
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
RAW_DATA = PROJECT_ROOT / "data" / "taxi-trips.csv"
TARGET = "fare_amount"

MODEL_NAME = "taxi-fare-model"
DEPLOYMENT = "blue"
INSTANCE_TYPE = "Standard_DS3_v2"
INSTANCE_COUNT = 1
LATEST = workspace.LATEST
SAMPLE_ROWS = 3
# The newest version of the model in the workspace; the scripts resolve and print the exact version.
DEFAULT_MODEL = f"azureml:{MODEL_NAME}@{LATEST}"


def build_endpoint(name: str = "taxi-fare-online", *, environment: str = "dev") -> Any:
    """The managed online endpoint (an ``azure.ai.ml.entities.ManagedOnlineEndpoint``), built offline."""
    from azure.ai.ml.entities import ManagedOnlineEndpoint

    return ManagedOnlineEndpoint(
        name=name,
        auth_mode="key",
        description=f"Taxi fare predictions ({environment})",
        tags={"model": MODEL_NAME, "environment": environment},
    )


def build_deployment(
    endpoint_name: str = "taxi-fare-online",
    model: str = DEFAULT_MODEL,
    *,
    name: str = DEPLOYMENT,
    instance_type: str = INSTANCE_TYPE,
    instance_count: int = INSTANCE_COUNT,
) -> Any:
    """The deployment of an MLflow model (an ``azure.ai.ml.entities.ManagedOnlineDeployment``), built offline.

    ``model`` is a model reference (see ``model_uri``). No code or environment: Azure ML serves MLflow models itself.
    """
    from azure.ai.ml.entities import ManagedOnlineDeployment

    return ManagedOnlineDeployment(
        name=name,
        endpoint_name=endpoint_name,
        model=model,
        instance_type=instance_type,
        instance_count=instance_count,
        tags={"model": model},
    )


# --- the smoke request ------------------------------------------------------------------------------------------


def _value(text: str) -> Any:
    """A CSV cell as JSON would carry it: int, float or the string itself."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def build_sample_request(data: Path = RAW_DATA, rows: int = SAMPLE_ROWS, target: str = TARGET) -> dict[str, Any]:
    """A request in the endpoint's input format with the first ``rows`` rows of ``data``, target column dropped."""
    with data.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        columns = [column for column in reader.fieldnames or [] if column != target]
        records = list(itertools.islice(reader, rows))
    return {
        "input_data": {"columns": columns, "data": [[_value(row[column]) for column in columns] for row in records]}
    }


def request_text(request: dict[str, Any]) -> str:
    """``request`` as the JSON text of sample-request.json: one line for the columns and one per row."""
    body = request["input_data"]
    rows = ",\n".join(f"      {json.dumps(row)}" for row in body["data"])
    columns = json.dumps(body["columns"])
    return '{\n  "input_data": {\n' + f'    "columns": {columns},\n    "data": [\n{rows}\n' + "    ]\n  }\n}\n"


def request_problems(request: Any, data: Path = RAW_DATA, target: str = TARGET) -> list[str]:
    """Why ``request`` would not fit the model trained on ``data`` (empty when it fits)."""
    body = request.get("input_data") if isinstance(request, dict) else None
    if not isinstance(body, dict) or not isinstance(body.get("columns"), list) or not body.get("data"):
        return ['the request has no "input_data" object with a "columns" list and a non-empty "data" list']
    problems = []
    if data.is_file():
        with data.open(newline="", encoding="utf-8") as handle:
            features = [column for column in next(csv.reader(handle), []) if column != target]
        missing = [column for column in features if column not in body["columns"]]
        if missing:
            problems.append(f"it lacks the columns {missing} of {data.name}, which the model was trained on")
    width = len(body["columns"])
    if any(not isinstance(row, list) or len(row) != width for row in body["data"]):
        problems.append(f"every row of data must have {width} values, one per column")
    return problems


def prediction_problems(response: str, request: dict[str, Any]) -> list[str]:
    """Why the endpoint's answer is not one numeric prediction per row of ``request`` (empty when it is)."""
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
    if isinstance(answer, dict):
        answer = answer.get("predictions", answer)
    if not isinstance(answer, list):
        return [f"the answer is not a list of predictions: {response[:200]}"]
    problems = []
    if len(answer) != rows:
        problems.append(f"{len(answer)} predictions for {rows} rows")
    if not all(isinstance(value, int | float) and not isinstance(value, bool) for value in answer):
        problems.append(f"not every prediction is a number: {answer[:5]}")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    """Create or update the endpoint and its deployment, route traffic to it, smoke-test it."""
    args = endpoints.parse_online_args(
        argv,
        "Deploy the registered MLflow model taxi-fare-model to the managed online endpoint of "
        "config-infra-<environment>.yml and send it sample-request.json.",
        model_name=MODEL_NAME,
        deployment=DEPLOYMENT,
        instance_type=INSTANCE_TYPE,
        instance_count=INSTANCE_COUNT,
        request_file=SAMPLE_REQUEST,
        sample_request_help=f"rewrite the request file from the first {SAMPLE_ROWS} rows of data/taxi-trips.csv "
        "and exit",
    )
    return endpoints.deploy_online(
        args,
        build_endpoint=build_endpoint,
        build_deployment=build_deployment,
        request_problems=request_problems,
        prediction_problems=prediction_problems,
        sample_request=lambda: request_text(build_sample_request()),
    )


if __name__ == "__main__":
    sys.exit(main())

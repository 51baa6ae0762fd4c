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

import argparse
import csv
import itertools
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import workspace  # noqa: E402  (mlops/azureml/workspace.py: settings and helpers the scripts share)

HERE = Path(__file__).resolve().parent
PROJECT_ROOT = workspace.PROJECT_ROOT
SAMPLE_REQUEST = HERE / "sample-request.json"
RAW_DATA = PROJECT_ROOT / "data" / "taxi-trips.csv"
TARGET = "fare_amount"
ENVIRONMENTS = workspace.ENVIRONMENTS

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


def prediction_problems(response: str, rows: int) -> list[str]:
    """Why the endpoint's answer is not one numeric prediction per request row (empty when it is)."""
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


# --- Azure --------------------------------------------------------------------------------------------------------


def resolve_model(args: argparse.Namespace, subscription_id: str, workspace_client: Any) -> str:
    """The URI of the model version to deploy; looks up the newest version when --model-version is latest."""
    if args.model_source == "registry":
        registry_client = workspace.ml_client(subscription_id, registry_name=args.registry)
        version = workspace.resolve_version(registry_client, args.model_name, args.model_version)
        return workspace.model_uri(args.model_name, version, args.registry)
    version = workspace.resolve_version(workspace_client, args.model_name, args.model_version)
    return workspace.model_uri(args.model_name, version)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Deploy the registered MLflow model taxi-fare-model to the managed online endpoint of "
        "config-infra-<environment>.yml and send it sample-request.json.",
    )
    parser.add_argument("--environment", choices=ENVIRONMENTS, default="dev", help="which config-infra file to use")
    parser.add_argument(
        "--subscription-id",
        default=os.environ.get("AZURE_SUBSCRIPTION_ID"),
        help="Azure subscription (default: $AZURE_SUBSCRIPTION_ID, else the Azure CLI's current subscription)",
    )
    parser.add_argument("--resource-group", help="resource group of the workspace (default: from config-infra)")
    parser.add_argument("--workspace", help="Azure ML workspace (default: aml_workspace from config-infra)")
    parser.add_argument("--endpoint-name", help="online endpoint (default: online_endpoint from config-infra)")
    parser.add_argument("--deployment-name", default=DEPLOYMENT, help=f"default: {DEPLOYMENT}")
    parser.add_argument("--model-name", default=MODEL_NAME, help=f"default: {MODEL_NAME}")
    parser.add_argument("--model-version", default=LATEST, help="model version to deploy (default: the newest)")
    parser.add_argument(
        "--model-source",
        choices=("workspace", "registry"),
        help="where the model version is registered (default: workspace in dev, registry in prod)",
    )
    parser.add_argument("--registry", help="Azure ML registry (default: model_registry from config-infra)")
    parser.add_argument("--instance-type", default=INSTANCE_TYPE, help=f"default: {INSTANCE_TYPE}")
    parser.add_argument("--instance-count", type=int, default=INSTANCE_COUNT, help=f"default: {INSTANCE_COUNT}")
    parser.add_argument("--request-file", type=Path, default=SAMPLE_REQUEST, help="smoke request to send")
    parser.add_argument("--skip-smoke-test", action="store_true", help="deploy without sending the request")
    parser.add_argument("--dry-run", action="store_true", help="print the endpoint and deployment; touch no Azure")
    parser.add_argument(
        "--write-sample-request",
        action="store_true",
        help=f"rewrite the request file from the first {SAMPLE_ROWS} rows of data/taxi-trips.csv and exit",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Create or update the endpoint and its deployment, route traffic to it, smoke-test it."""
    args = parse_args(argv)
    if args.write_sample_request:
        args.request_file.write_text(request_text(build_sample_request()), encoding="utf-8")
        print(f"Wrote {args.request_file}")
        return 0

    config = workspace.read_config(args.environment)
    args.model_source = args.model_source or ("registry" if args.environment == "prod" else "workspace")
    args.registry = args.registry or config.get("model_registry")
    endpoint_name = args.endpoint_name or config.get("online_endpoint")
    request: Any = None
    if not args.skip_smoke_test:
        request = json.loads(args.request_file.read_text(encoding="utf-8"))
        problems = request_problems(request)
        if problems:
            print(
                f"error: {args.request_file}: {'; '.join(problems)} (rewrite it with --write-sample-request)",
                file=sys.stderr,
            )
            return 2

    if args.dry_run:
        version = "<newest>" if args.model_version == LATEST else args.model_version
        registry = args.registry if args.model_source == "registry" else None
        model = workspace.model_uri(args.model_name, version, registry)
        name = endpoint_name or "<online_endpoint>"
        print(workspace.to_yaml(build_endpoint(name, environment=args.environment)))
        print("---")
        print(workspace.to_yaml(build_deployment(name, model, name=args.deployment_name)))
        return 0

    subscription_id = args.subscription_id or workspace.current_subscription()
    resource_group = args.resource_group or config.get("resource_group")
    workspace_name = args.workspace or config.get("aml_workspace")
    needed = {
        "--subscription-id": subscription_id,
        "--resource-group": resource_group,
        "--workspace": workspace_name,
        "--endpoint-name": endpoint_name,
        **({"--registry": args.registry} if args.model_source == "registry" else {}),
    }
    if workspace.missing_settings(needed, args.environment):
        return 2

    from azure.core.exceptions import ResourceNotFoundError

    client = workspace.ml_client(subscription_id, resource_group, workspace_name)
    model = resolve_model(args, subscription_id, client)
    print(f"Deploying {model} to {endpoint_name}/{args.deployment_name}")

    try:
        client.online_endpoints.get(endpoint_name)
        print(f"Endpoint {endpoint_name} exists")
    except ResourceNotFoundError:
        print(f"Creating endpoint {endpoint_name}")
        client.online_endpoints.begin_create_or_update(
            build_endpoint(endpoint_name, environment=args.environment)
        ).result()

    deployment = build_deployment(
        endpoint_name,
        model,
        name=args.deployment_name,
        instance_type=args.instance_type,
        instance_count=args.instance_count,
    )
    client.online_deployments.begin_create_or_update(deployment).result()

    endpoint = client.online_endpoints.get(endpoint_name)
    if endpoint.traffic != {args.deployment_name: 100}:
        endpoint.traffic = {args.deployment_name: 100}
        client.online_endpoints.begin_create_or_update(endpoint).result()
    print(f"{endpoint_name}: all traffic to {args.deployment_name}; scoring URI {endpoint.scoring_uri}")

    if args.skip_smoke_test:
        return 0
    response = client.online_endpoints.invoke(
        endpoint_name=endpoint_name, deployment_name=args.deployment_name, request_file=str(args.request_file)
    )
    problems = prediction_problems(response, rows=len(request["input_data"]["data"]))
    if problems:
        print(f"error: smoke test of {endpoint_name}/{args.deployment_name}: {'; '.join(problems)}", file=sys.stderr)
        return 1
    print(f"Smoke test passed: {response}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Deploy the registered image classifier (image-classifier) to a managed online endpoint and smoke-test it.

With the Azure ML Python SDK v2 (azure-ai-ml), the script

1. creates the managed online endpoint (key authentication) or leaves the existing one as it is,
2. creates or updates the deployment (default: blue) with a version of image-classifier: in dev the newest
   version registered in the workspace, in prod the newest one promoted to the Azure ML registry,
3. sends all of the endpoint's traffic to that deployment, and
4. posts sample-request.json (beside this script) to the deployment and checks that it answers with one
   class per image.

The model is an MLflow pytorch model; data-science/src/score.py serves it (decoding the base64-encoded
images of a request the same way as in training) in the project's own environment: the Azure ML base image
plus data-science/environment/conda.yml, with the torch version the model was pickled with.

The endpoint name, workspace and registry come from config-infra-<environment>.yml at the project root;
the subscription from --subscription-id, $AZURE_SUBSCRIPTION_ID or the Azure CLI's current account.

    pip install -r mlops/azureml/requirements.txt
    python mlops/azureml/deploy/online/deploy.py --dry-run                 # print what it would create
    python mlops/azureml/deploy/online/deploy.py --environment dev
    python mlops/azureml/deploy/online/deploy.py --write-sample-request   # one image of each class of data/images
"""

from __future__ import annotations

import argparse
import base64
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
SAMPLE_IMAGES = PROJECT_ROOT / "data" / "images"
SOURCE_DIR = PROJECT_ROOT / "data-science" / "src"
CONDA_FILE = PROJECT_ROOT / "data-science" / "environment" / "conda.yml"
# Keep in step with mlops/azureml/train/pipeline.py: the model is served with the packages it was trained with.
IMAGE = "mcr.microsoft.com/azureml/openmpi5.0-ubuntu24.04:20260901.v1"
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")
ENVIRONMENTS = workspace.ENVIRONMENTS

MODEL_NAME = "image-classifier"
DEPLOYMENT = "blue"
INSTANCE_TYPE = "Standard_DS3_v2"
INSTANCE_COUNT = 1
LATEST = workspace.LATEST
# The newest version of the model in the workspace; the scripts resolve and print the exact version.
DEFAULT_MODEL = f"azureml:{MODEL_NAME}@{LATEST}"


def build_endpoint(name: str = "image-classifier-online", *, environment: str = "dev") -> Any:
    """The managed online endpoint (an ``azure.ai.ml.entities.ManagedOnlineEndpoint``), built offline."""
    from azure.ai.ml.entities import ManagedOnlineEndpoint

    return ManagedOnlineEndpoint(
        name=name,
        auth_mode="key",
        description=f"Image classification ({environment})",
        tags={"model": MODEL_NAME, "environment": environment},
    )


def build_deployment(
    endpoint_name: str = "image-classifier-online",
    model: str = DEFAULT_MODEL,
    *,
    name: str = DEPLOYMENT,
    instance_type: str = INSTANCE_TYPE,
    instance_count: int = INSTANCE_COUNT,
    image: str = IMAGE,
) -> Any:
    """The deployment (an ``azure.ai.ml.entities.ManagedOnlineDeployment``) of the model, scored by score.py, built
    offline. ``model`` is a model reference (see ``workspace.model_uri``)."""
    from azure.ai.ml.entities import CodeConfiguration, Environment, ManagedOnlineDeployment

    return ManagedOnlineDeployment(
        name=name,
        endpoint_name=endpoint_name,
        model=model,
        code_configuration=CodeConfiguration(code=str(SOURCE_DIR), scoring_script="score.py"),
        environment=Environment(image=image, conda_file=str(CONDA_FILE)),
        instance_type=instance_type,
        instance_count=instance_count,
        tags={"model": model},
    )


# --- the smoke request ------------------------------------------------------------------------------------------


def build_sample_request(images: Path = SAMPLE_IMAGES) -> dict[str, Any]:
    """A request with the first image (by name) of each class folder of ``images``, base64-encoded."""
    firsts = []
    for folder in sorted(path for path in images.iterdir() if path.is_dir()):
        files = sorted(path for path in folder.rglob("*") if path.suffix.lower() in IMAGE_SUFFIXES)
        if files:
            firsts.append(files[0])
    return {"images": [base64.b64encode(path.read_bytes()).decode("ascii") for path in firsts]}


def request_text(request: dict[str, Any]) -> str:
    """``request`` as the JSON text of sample-request.json: one line per image."""
    images = ",\n".join(f"    {json.dumps(text)}" for text in request["images"])
    return '{\n  "images": [\n' + images + "\n  ]\n}\n"


def request_problems(request: Any) -> list[str]:
    """Why ``request`` would not be understood by score.py (empty when it would)."""
    images = request.get("images") if isinstance(request, dict) else None
    if not isinstance(images, list) or not images:
        return ['the request has no non-empty "images" list']
    problems = []
    for position, text in enumerate(images, start=1):
        try:
            base64.b64decode(text, validate=True)
        except (TypeError, ValueError):
            problems.append(f"image {position} is not a base64 string")
    return problems


def prediction_problems(response: str, images: int) -> list[str]:
    """Why the endpoint's answer is not one class (with its probability) per image (empty when it is)."""
    try:
        answer = json.loads(response)
    except json.JSONDecodeError:
        return [f"the answer is not JSON: {response[:200]}"]
    if isinstance(answer, str):  # some servers send the JSON document as a JSON string
        try:
            answer = json.loads(answer)
        except json.JSONDecodeError:
            return [f"the answer is not a list of classes: {answer[:200]}"]
    if not isinstance(answer, list):
        return [f"the answer is not a list of classes: {response[:200]}"]
    problems = []
    if len(answer) != images:
        problems.append(f"{len(answer)} answers for {images} images")
    if not all(isinstance(item, dict) and isinstance(item.get("label"), str) for item in answer):
        problems.append(f"not every answer names a class (label): {answer[:3]}")
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
        description="Deploy the registered image classifier image-classifier to the managed online endpoint of "
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
        help="rewrite the request file with one image of each class of data/images and exit",
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
    problems = prediction_problems(response, images=len(request["images"]))
    if problems:
        print(f"error: smoke test of {endpoint_name}/{args.deployment_name}: {'; '.join(problems)}", file=sys.stderr)
        return 1
    print(f"Smoke test passed: {response}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

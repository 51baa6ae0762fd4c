"""Deploy the registered image classifier (image-classifier) to a batch endpoint; optionally score images with it.

With the Azure ML Python SDK v2 (azure-ai-ml), the script

1. creates the batch endpoint or leaves the existing one as it is,
2. creates or updates its deployment (default: image-classifier-batch) with a version of image-classifier,
   running on the workspace's CPU cluster: in dev the newest version registered in the workspace, in prod the
   newest one promoted to the Azure ML registry,
3. makes that deployment the endpoint's default, and
4. with --invoke, starts a batch scoring job on data/images (uploaded) or --input (a folder of images or .zip
   archives, local or azureml:/https:); with --wait, waits for it. The answers land in the job's `score`
   output as predictions.csv, one line `file,label,score` per image.

data-science/src/batch_score.py scores the files, in the project's own environment (the Azure ML base image
plus data-science/environment/conda.yml, with the torch version the model was pickled with).

The endpoint name, compute cluster, workspace and registry come from config-infra-<environment>.yml at the
project root; the subscription from --subscription-id, $AZURE_SUBSCRIPTION_ID or the Azure CLI's account.

    pip install -r mlops/azureml/requirements.txt
    python mlops/azureml/deploy/batch/deploy.py --dry-run        # print what it would create
    python mlops/azureml/deploy/batch/deploy.py --environment dev --invoke --wait
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import workspace  # noqa: E402  (mlops/azureml/workspace.py: settings and helpers the scripts share)

HERE = Path(__file__).resolve().parent
PROJECT_ROOT = workspace.PROJECT_ROOT
SAMPLE_IMAGES = PROJECT_ROOT / "data" / "images"
SOURCE_DIR = PROJECT_ROOT / "data-science" / "src"
CONDA_FILE = PROJECT_ROOT / "data-science" / "environment" / "conda.yml"
# Keep in step with mlops/azureml/train/pipeline.py: the model is served with the packages it was trained with.
IMAGE = "mcr.microsoft.com/azureml/openmpi5.0-ubuntu24.04:20260901.v1"
ENVIRONMENTS = workspace.ENVIRONMENTS

MODEL_NAME = "image-classifier"
DEPLOYMENT = "image-classifier-batch"
COMPUTE = "cpu-cluster"
LATEST = workspace.LATEST
# The newest version of the model in the workspace; the scripts resolve and print the exact version.
DEFAULT_MODEL = f"azureml:{MODEL_NAME}@{LATEST}"
OUTPUT_FILE = "predictions.csv"


def build_endpoint(name: str = "image-classifier-batch", *, environment: str = "dev") -> Any:
    """The batch endpoint (an ``azure.ai.ml.entities.BatchEndpoint``), built offline."""
    from azure.ai.ml.entities import BatchEndpoint

    return BatchEndpoint(
        name=name,
        description=f"Image classification for folders of images ({environment})",
        tags={"model": MODEL_NAME, "environment": environment},
    )


def build_deployment(
    endpoint_name: str = "image-classifier-batch",
    model: str = DEFAULT_MODEL,
    *,
    name: str = DEPLOYMENT,
    compute: str = COMPUTE,
    instance_count: int = 1,
    max_concurrency_per_instance: int = 2,
    mini_batch_size: int = 10,
    image: str = IMAGE,
) -> Any:
    """The batch deployment (an ``azure.ai.ml.entities.ModelBatchDeployment``) of the model, scored by
    batch_score.py, built offline.

    ``model`` is a model reference (see ``workspace.model_uri``). Each mini batch is ``mini_batch_size`` input
    files; the answers for all of them are appended to one output file.
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
        description="image-classifier, scored by data-science/src/batch_score.py",
        model=model,
        code_configuration=CodeConfiguration(code=str(SOURCE_DIR), scoring_script="batch_score.py"),
        environment=Environment(image=image, conda_file=str(CONDA_FILE)),
        compute=compute,
        settings=ModelBatchDeploymentSettings(
            instance_count=instance_count,
            max_concurrency_per_instance=max_concurrency_per_instance,
            mini_batch_size=mini_batch_size,
            output_action=BatchDeploymentOutputAction.APPEND_ROW,
            output_file_name=OUTPUT_FILE,
            retry_settings=BatchRetrySettings(max_retries=3, timeout=300),
            logging_level="info",
        ),
        tags={"model": model},
    )


def build_input(path: str | os.PathLike[str] = SAMPLE_IMAGES) -> Any:
    """The scoring job's input: a local file or folder (uploaded on invoke) or an azureml:/https: URI."""
    from azure.ai.ml import Input
    from azure.ai.ml.constants import AssetTypes

    text = str(path)
    if "://" in text or text.startswith("azureml:"):
        return Input(type=AssetTypes.URI_FOLDER if text.endswith("/") else AssetTypes.URI_FILE, path=text)
    local = Path(text).resolve()  # invoke uploads absolute local paths
    return Input(type=AssetTypes.URI_FOLDER if local.is_dir() else AssetTypes.URI_FILE, path=str(local))


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
        description="Deploy the registered image classifier image-classifier to the batch endpoint of "
        "config-infra-<environment>.yml; with --invoke, score a folder of images with it.",
    )
    parser.add_argument("--environment", choices=ENVIRONMENTS, default="dev", help="which config-infra file to use")
    parser.add_argument(
        "--subscription-id",
        default=os.environ.get("AZURE_SUBSCRIPTION_ID"),
        help="Azure subscription (default: $AZURE_SUBSCRIPTION_ID, else the Azure CLI's current subscription)",
    )
    parser.add_argument("--resource-group", help="resource group of the workspace (default: from config-infra)")
    parser.add_argument("--workspace", help="Azure ML workspace (default: aml_workspace from config-infra)")
    parser.add_argument("--endpoint-name", help="batch endpoint (default: batch_endpoint from config-infra)")
    parser.add_argument("--deployment-name", default=DEPLOYMENT, help=f"default: {DEPLOYMENT}")
    parser.add_argument("--compute", help=f"compute cluster (default: cpu_cluster from config-infra, else {COMPUTE})")
    parser.add_argument("--model-name", default=MODEL_NAME, help=f"default: {MODEL_NAME}")
    parser.add_argument("--model-version", default=LATEST, help="model version to deploy (default: the newest)")
    parser.add_argument(
        "--model-source",
        choices=("workspace", "registry"),
        help="where the model version is registered (default: workspace in dev, registry in prod)",
    )
    parser.add_argument("--registry", help="Azure ML registry (default: model_registry from config-infra)")
    parser.add_argument("--invoke", action="store_true", help="after deploying, start a scoring job on --input")
    parser.add_argument(
        "--input", default=str(SAMPLE_IMAGES), help="images to score, local or azureml:/https: (default: data/images)"
    )
    parser.add_argument("--wait", action="store_true", help="with --invoke: stream the job; exit 1 if it fails")
    parser.add_argument("--dry-run", action="store_true", help="print the endpoint and deployment; touch no Azure")
    args = parser.parse_args(argv)
    if args.invoke and "://" not in args.input and not args.input.startswith("azureml:"):
        if not Path(args.input).exists():
            parser.error(f"--input {args.input}: no such file or folder")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Create or update the endpoint and its deployment, make it the default; optionally run a scoring job."""
    args = parse_args(argv)
    config = workspace.read_config(args.environment)
    args.model_source = args.model_source or ("registry" if args.environment == "prod" else "workspace")
    args.registry = args.registry or config.get("model_registry")
    endpoint_name = args.endpoint_name or config.get("batch_endpoint")
    compute = args.compute or config.get("cpu_cluster") or COMPUTE

    if args.dry_run:
        version = "<newest>" if args.model_version == LATEST else args.model_version
        registry = args.registry if args.model_source == "registry" else None
        model = workspace.model_uri(args.model_name, version, registry)
        name = endpoint_name or "<batch_endpoint>"
        print(workspace.to_yaml(build_endpoint(name, environment=args.environment)))
        print("---")
        print(workspace.to_yaml(build_deployment(name, model, name=args.deployment_name, compute=compute)))
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
    print(f"Deploying {model} to {endpoint_name}/{args.deployment_name} on {compute}")

    try:
        client.batch_endpoints.get(endpoint_name)
        print(f"Endpoint {endpoint_name} exists")
    except ResourceNotFoundError:
        print(f"Creating endpoint {endpoint_name}")
        client.batch_endpoints.begin_create_or_update(
            build_endpoint(endpoint_name, environment=args.environment)
        ).result()

    deployment = build_deployment(endpoint_name, model, name=args.deployment_name, compute=compute)
    client.batch_deployments.begin_create_or_update(deployment).result()

    endpoint = client.batch_endpoints.get(endpoint_name)
    if getattr(endpoint.defaults, "deployment_name", None) != args.deployment_name:
        endpoint.defaults = {"deployment_name": args.deployment_name}
        client.batch_endpoints.begin_create_or_update(endpoint).result()
    print(f"{endpoint_name}: default deployment {args.deployment_name}")

    if not args.invoke:
        return 0
    job = client.batch_endpoints.invoke(
        endpoint_name=endpoint_name, deployment_name=args.deployment_name, input=build_input(args.input)
    )
    print(f"Started batch scoring job {job.name} on {args.input}")
    if args.wait:
        client.jobs.stream(job.name)  # raises when the job fails
        status = client.jobs.get(job.name).status
        print(f"Batch scoring job {job.name} finished: {status}")
        if status != "Completed":
            return 1
        print(
            f"Predictions ({OUTPUT_FILE}): az ml job download --name {job.name} --output-name score "
            f"--resource-group {resource_group} --workspace-name {workspace_name}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What the endpoint deployment scripts (deploy/online/deploy.py, deploy/batch/deploy.py) share: their command
line, the model version to deploy and the Azure steps of a deployment. Each script brings what belongs to its
model: the defaults, the endpoint and deployment it builds and the checks of its requests and answers.

The scripts import it beside ``workspace``, after adding this folder to ``sys.path``:

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    import endpoints

Nothing here contacts Azure at import time; the Azure packages are imported by the functions that need them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import workspace

COMPUTE = "cpu-cluster"
OUTPUT_FILE = "predictions.csv"


# --- the command line ---------------------------------------------------------------------------------------------


def _add_target_arguments(parser: argparse.ArgumentParser, kind: str, deployment: str) -> None:
    """The flags that name the workspace, the ``kind`` (online or batch) endpoint and the deployment."""
    workspace.add_workspace_arguments(parser)
    parser.add_argument("--endpoint-name", help=f"{kind} endpoint (default: {kind}_endpoint from config-infra)")
    parser.add_argument("--deployment-name", default=deployment, help=f"default: {deployment}")


def _add_model_arguments(parser: argparse.ArgumentParser, model_name: str) -> None:
    """The flags that choose the model version and where it is registered."""
    parser.add_argument("--model-name", default=model_name, help=f"default: {model_name}")
    parser.add_argument(
        "--model-version", default=workspace.LATEST, help="model version to deploy (default: the newest)"
    )
    parser.add_argument(
        "--model-source",
        choices=("workspace", "registry"),
        help="where the model version is registered (default: workspace in dev, registry in prod)",
    )
    parser.add_argument("--registry", help="Azure ML registry (default: model_registry from config-infra)")


def _add_dry_run_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dry-run", action="store_true", help="print the endpoint and deployment; touch no Azure")


def parse_online_args(
    argv: Sequence[str] | None,
    description: str,
    *,
    model_name: str,
    deployment: str,
    instance_type: str,
    instance_count: int,
    request_file: Path,
    sample_request_help: str | None = None,
) -> argparse.Namespace:
    """The command line of deploy/online/deploy.py; ``--write-sample-request`` only with ``sample_request_help``."""
    parser = argparse.ArgumentParser(description=description)
    _add_target_arguments(parser, "online", deployment)
    _add_model_arguments(parser, model_name)
    parser.add_argument("--instance-type", default=instance_type, help=f"default: {instance_type}")
    parser.add_argument("--instance-count", type=int, default=instance_count, help=f"default: {instance_count}")
    parser.add_argument("--request-file", type=Path, default=request_file, help="smoke request to send")
    parser.add_argument("--skip-smoke-test", action="store_true", help="deploy without sending the request")
    _add_dry_run_argument(parser)
    if sample_request_help:
        parser.add_argument("--write-sample-request", action="store_true", help=sample_request_help)
    return parser.parse_args(argv)


def parse_batch_args(
    argv: Sequence[str] | None,
    description: str,
    *,
    model_name: str,
    deployment: str,
    input_default: Path,
    input_help: str,
) -> argparse.Namespace:
    """The command line of deploy/batch/deploy.py; a local --input to --invoke on must exist."""
    parser = argparse.ArgumentParser(description=description)
    _add_target_arguments(parser, "batch", deployment)
    parser.add_argument("--compute", help=f"compute cluster (default: cpu_cluster from config-infra, else {COMPUTE})")
    _add_model_arguments(parser, model_name)
    parser.add_argument("--invoke", action="store_true", help="after deploying, start a scoring job on --input")
    parser.add_argument("--input", default=str(input_default), help=input_help)
    parser.add_argument("--wait", action="store_true", help="with --invoke: stream the job; exit 1 if it fails")
    _add_dry_run_argument(parser)
    args = parser.parse_args(argv)
    if args.invoke and not _is_uri(args.input) and not Path(args.input).exists():
        parser.error(f"--input {args.input}: no such file or folder")
    return args


def _is_uri(text: str) -> bool:
    return "://" in text or text.startswith("azureml:")


# --- the model ----------------------------------------------------------------------------------------------------


def resolve_model(args: argparse.Namespace, subscription_id: str, workspace_client: Any) -> str:
    """The URI of the model version to deploy; looks up the newest version when --model-version is latest."""
    if args.model_source == "registry":
        registry_client = workspace.ml_client(subscription_id, registry_name=args.registry)
        version = workspace.resolve_version(registry_client, args.model_name, args.model_version)
        return workspace.model_uri(args.model_name, version, args.registry)
    version = workspace.resolve_version(workspace_client, args.model_name, args.model_version)
    return workspace.model_uri(args.model_name, version)


def _planned_model(args: argparse.Namespace) -> str:
    """The model reference a dry run shows: the version as given, ``<newest>`` for latest (no lookup)."""
    version = "<newest>" if args.model_version == workspace.LATEST else args.model_version
    registry = args.registry if args.model_source == "registry" else None
    return workspace.model_uri(args.model_name, version, registry)


def scoring_input(path: str | os.PathLike[str]) -> Any:
    """A batch scoring job's input: a local file or folder (uploaded on invoke) or an azureml:/https: URI."""
    from azure.ai.ml import Input
    from azure.ai.ml.constants import AssetTypes

    text = str(path)
    if _is_uri(text):
        return Input(type=AssetTypes.URI_FOLDER if text.endswith("/") else AssetTypes.URI_FILE, path=text)
    local = Path(text).resolve()  # invoke uploads absolute local paths
    return Input(type=AssetTypes.URI_FOLDER if local.is_dir() else AssetTypes.URI_FILE, path=str(local))


# --- Azure --------------------------------------------------------------------------------------------------------


def _read_settings(args: argparse.Namespace, endpoint_setting: str) -> dict[str, Any]:
    """Fill in the model source, registry and endpoint name that the command line left open; return the
    settings of config-infra-<environment>.yml."""
    config = workspace.read_config(args.environment)
    args.model_source = args.model_source or ("registry" if args.environment == "prod" else "workspace")
    args.registry = args.registry or config.get("model_registry")
    args.endpoint_name = args.endpoint_name or config.get(endpoint_setting)
    return config


def _print_plan(
    args: argparse.Namespace,
    placeholder: str,
    build_endpoint: Callable[..., Any],
    build_deployment: Callable[..., Any],
    **options: Any,
) -> None:
    """What --dry-run shows: the endpoint and the deployment as YAML, without looking up the model version."""
    name = args.endpoint_name or placeholder
    print(workspace.to_yaml(build_endpoint(name, environment=args.environment)))
    print("---")
    print(workspace.to_yaml(build_deployment(name, _planned_model(args), name=args.deployment_name, **options)))


def _connect(args: argparse.Namespace, config: dict[str, Any]) -> tuple[Any, str] | None:
    """The workspace client and the URI of the model version to deploy; None, after one error line, when a
    setting is missing. Fills in args.resource_group and args.workspace."""
    subscription_id = args.subscription_id or workspace.current_subscription()
    args.resource_group = args.resource_group or config.get("resource_group")
    args.workspace = args.workspace or config.get("aml_workspace")
    needed = {
        "--subscription-id": subscription_id,
        "--resource-group": args.resource_group,
        "--workspace": args.workspace,
        "--endpoint-name": args.endpoint_name,
        **({"--registry": args.registry} if args.model_source == "registry" else {}),
    }
    if workspace.missing_settings(needed, args.environment):
        return None
    client = workspace.ml_client(subscription_id, args.resource_group, args.workspace)
    return client, resolve_model(args, subscription_id, client)


def _create_or_update(
    args: argparse.Namespace,
    config: dict[str, Any],
    kind: str,
    build_endpoint: Callable[..., Any],
    build_deployment: Callable[..., Any],
    *,
    where: str = "",
    **options: Any,
) -> Any | None:
    """Create the ``kind`` (online or batch) endpoint unless it exists (an existing one is left as it is) and create
    or update the deployment in it; the workspace client, or None (after one error line) when a setting is missing.
    ``where`` ends the line that names what is deployed; ``options`` go to ``build_deployment``."""
    connection = _connect(args, config)
    if connection is None:
        return None
    client, model = connection
    print(f"Deploying {model} to {args.endpoint_name}/{args.deployment_name}{where}")

    from azure.core.exceptions import ResourceNotFoundError

    endpoint_operations = getattr(client, f"{kind}_endpoints")
    try:
        endpoint_operations.get(args.endpoint_name)
        print(f"Endpoint {args.endpoint_name} exists")
    except ResourceNotFoundError:
        print(f"Creating endpoint {args.endpoint_name}")
        endpoint = build_endpoint(args.endpoint_name, environment=args.environment)
        endpoint_operations.begin_create_or_update(endpoint).result()
    deployment = build_deployment(args.endpoint_name, model, name=args.deployment_name, **options)
    getattr(client, f"{kind}_deployments").begin_create_or_update(deployment).result()
    return client


def deploy_online(
    args: argparse.Namespace,
    *,
    build_endpoint: Callable[..., Any],
    build_deployment: Callable[..., Any],
    request_problems: Callable[[Any], list[str]],
    prediction_problems: Callable[[str, Any], list[str]],
    sample_request: Callable[[], str] | None = None,
) -> int:
    """Create the online endpoint if missing, create or update the deployment, route all traffic to it and send it
    the request file; the exit code. ``sample_request`` gives the text that --write-sample-request writes."""
    if sample_request is not None and args.write_sample_request:
        args.request_file.write_text(sample_request(), encoding="utf-8")
        print(f"Wrote {args.request_file}")
        return 0

    config = _read_settings(args, "online_endpoint")
    endpoint_name = args.endpoint_name
    request: Any = None
    if not args.skip_smoke_test:
        request = json.loads(args.request_file.read_text(encoding="utf-8"))
        problems = request_problems(request)
        if problems:
            hint = " (rewrite it with --write-sample-request)" if sample_request is not None else ""
            print(f"error: {args.request_file}: {'; '.join(problems)}{hint}", file=sys.stderr)
            return 2

    if args.dry_run:
        _print_plan(args, "<online_endpoint>", build_endpoint, build_deployment)
        return 0

    client = _create_or_update(
        args,
        config,
        "online",
        build_endpoint,
        build_deployment,
        instance_type=args.instance_type,
        instance_count=args.instance_count,
    )
    if client is None:
        return 2

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
    problems = prediction_problems(response, request)
    if problems:
        print(f"error: smoke test of {endpoint_name}/{args.deployment_name}: {'; '.join(problems)}", file=sys.stderr)
        return 1
    print(f"Smoke test passed: {response}")
    return 0


def deploy_batch(
    args: argparse.Namespace, *, build_endpoint: Callable[..., Any], build_deployment: Callable[..., Any]
) -> int:
    """Create the batch endpoint if missing, create or update the deployment and make it the default; with
    --invoke, start a scoring job on --input (with --wait, wait for it); the exit code."""
    config = _read_settings(args, "batch_endpoint")
    endpoint_name = args.endpoint_name
    compute = args.compute or config.get("cpu_cluster") or COMPUTE

    if args.dry_run:
        _print_plan(args, "<batch_endpoint>", build_endpoint, build_deployment, compute=compute)
        return 0

    client = _create_or_update(
        args, config, "batch", build_endpoint, build_deployment, where=f" on {compute}", compute=compute
    )
    if client is None:
        return 2

    endpoint = client.batch_endpoints.get(endpoint_name)
    if getattr(endpoint.defaults, "deployment_name", None) != args.deployment_name:
        endpoint.defaults = {"deployment_name": args.deployment_name}
        client.batch_endpoints.begin_create_or_update(endpoint).result()
    print(f"{endpoint_name}: default deployment {args.deployment_name}")

    if not args.invoke:
        return 0
    job = client.batch_endpoints.invoke(
        endpoint_name=endpoint_name, deployment_name=args.deployment_name, input=scoring_input(args.input)
    )
    print(f"Started batch scoring job {job.name} on {args.input}")
    if args.wait:
        if not workspace.wait_for_job(client, job.name, "Batch scoring job"):
            return 1
        print(
            f"Predictions ({OUTPUT_FILE}): az ml job download --name {job.name} --output-name score "
            f"--resource-group {args.resource_group} --workspace-name {args.workspace}"
        )
    return 0

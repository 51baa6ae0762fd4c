"""The deployment of the model to its endpoints, for every project type: the command line of deploy/online/deploy.py
and deploy/batch/deploy.py, the endpoints and deployments they build (the online one with its data collector), and
the glue to the staged rollout of rollout.py. Each deploy.py brings only what belongs to its model: an
``OnlineModel`` or ``BatchModel`` and, online, the checks of its requests and answers.

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import rollout
import workspace

PROJECT_ROOT = workspace.PROJECT_ROOT
SOURCE_DIR = PROJECT_ROOT / "data-science" / "src"
CONDA_FILE = PROJECT_ROOT / "data-science" / "environment" / "conda.yml"
# Keep in step with the image of the training pipeline (train/pipeline.py): the model is served with the packages
# it was trained with.
IMAGE = "mcr.microsoft.com/azureml/openmpi5.0-ubuntu24.04:20260901.v1"
COMPUTE = "cpu-cluster"
OUTPUT_FILE = "predictions.csv"
# What score.py logs through the data collector, and where: one data asset per collection, shared by both
# deployments of the rollout so that the model monitor reads one stream (<model>-inputs, <model>-outputs).
COLLECTIONS = {"model_inputs": "inputs", "model_outputs": "outputs"}
COLLECTOR_PATH = "azureml://datastores/workspaceblobstore/paths/modelDataCollector/{model}/{collection}"


@dataclass(frozen=True)
class OnlineModel:
    """What the online endpoint of a project type serves: the registered model, scored by data-science/src/score.py
    in the project's environment (the base image plus data-science/environment/conda.yml)."""

    name: str
    description: str  # what the endpoint answers, e.g. "Taxi fare predictions"
    instance_type: str = "Standard_DS3_v2"
    instance_count: int = 1
    request_timeout_ms: int | None = None


@dataclass(frozen=True)
class BatchModel:
    """What the batch endpoint of a project type serves: the registered model on the CPU cluster, scored by
    data-science/src/<scoring_script> in the project's environment, or by Azure ML's MLflow runtime without one."""

    name: str
    description: str  # what the endpoint scores, e.g. "Taxi fare predictions for CSV files"
    scoring_script: str | None = None
    max_concurrency_per_instance: int = 2
    mini_batch_size: int = 10
    timeout_seconds: int = 300


# --- the endpoints and deployments, built offline -------------------------------------------------------------------


def data_collector(model_name: str) -> Any:
    """The deployment's data collector: what score.py logs as model_inputs and model_outputs, stored hourly in the
    workspace's blob storage as the data assets <model>-inputs and <model>-outputs."""
    from azure.ai.ml.entities import DataAsset, DataCollector, DeploymentCollection

    collections = {
        collection: DeploymentCollection(
            enabled="true",
            data=DataAsset(
                name=f"{model_name}-{suffix}",
                path=COLLECTOR_PATH.format(model=model_name, collection=collection),
                version="1",
            ),
        )
        for collection, suffix in COLLECTIONS.items()
    }
    return DataCollector(collections=collections, rolling_rate="hour")


def _environment() -> Any:
    from azure.ai.ml.entities import Environment

    return Environment(image=IMAGE, conda_file=str(CONDA_FILE))


def build_online_endpoint(model: OnlineModel, name: str, *, environment: str = "dev") -> Any:
    """The managed online endpoint (an ``azure.ai.ml.entities.ManagedOnlineEndpoint``, key authentication)."""
    from azure.ai.ml.entities import ManagedOnlineEndpoint

    return ManagedOnlineEndpoint(
        name=name,
        auth_mode="key",
        description=f"{model.description} ({environment})",
        tags={"model": model.name, "environment": environment},
    )


def build_online_deployment(
    model: OnlineModel,
    endpoint_name: str,
    model_reference: str,
    *,
    name: str,
    instance_type: str | None = None,
    instance_count: int | None = None,
) -> Any:
    """The deployment of ``model_reference`` (see ``workspace.model_uri``), scored by data-science/src/score.py, with
    its data collector (an ``azure.ai.ml.entities.ManagedOnlineDeployment``)."""
    from azure.ai.ml.entities import CodeConfiguration, ManagedOnlineDeployment, OnlineRequestSettings

    request_settings = (
        OnlineRequestSettings(request_timeout_ms=model.request_timeout_ms) if model.request_timeout_ms else None
    )
    return ManagedOnlineDeployment(
        name=name,
        endpoint_name=endpoint_name,
        description=f"{model.name} served by data-science/src/score.py",
        model=model_reference,
        code_configuration=CodeConfiguration(code=str(SOURCE_DIR), scoring_script="score.py"),
        environment=_environment(),
        instance_type=instance_type or model.instance_type,
        instance_count=instance_count or model.instance_count,
        request_settings=request_settings,
        data_collector=data_collector(model.name),
        tags={"model": model_reference},
    )


def build_batch_endpoint(model: BatchModel, name: str, *, environment: str = "dev") -> Any:
    """The batch endpoint (an ``azure.ai.ml.entities.BatchEndpoint``)."""
    from azure.ai.ml.entities import BatchEndpoint

    return BatchEndpoint(
        name=name,
        description=f"{model.description} ({environment})",
        tags={"model": model.name, "environment": environment},
    )


def build_batch_deployment(
    model: BatchModel, endpoint_name: str, model_reference: str, *, name: str, compute: str = COMPUTE
) -> Any:
    """The batch deployment of ``model_reference`` on ``compute`` (an ``azure.ai.ml.entities.ModelBatchDeployment``):
    each mini batch is ``mini_batch_size`` input files, whose predictions are appended to one output file."""
    from azure.ai.ml.constants import BatchDeploymentOutputAction
    from azure.ai.ml.entities import (
        BatchRetrySettings,
        CodeConfiguration,
        ModelBatchDeployment,
        ModelBatchDeploymentSettings,
        ResourceConfiguration,
    )

    scored_by = f"data-science/src/{model.scoring_script}" if model.scoring_script else "Azure ML's MLflow runtime"
    code = {}
    if model.scoring_script:
        code = {
            "code_configuration": CodeConfiguration(code=str(SOURCE_DIR), scoring_script=model.scoring_script),
            "environment": _environment(),
        }
    return ModelBatchDeployment(
        name=name,
        endpoint_name=endpoint_name,
        description=f"{model.name}, scored by {scored_by}",
        model=model_reference,
        compute=compute,
        resources=ResourceConfiguration(instance_count=1),
        settings=ModelBatchDeploymentSettings(
            max_concurrency_per_instance=model.max_concurrency_per_instance,
            mini_batch_size=model.mini_batch_size,
            output_action=BatchDeploymentOutputAction.APPEND_ROW,
            output_file_name=OUTPUT_FILE,
            retry_settings=BatchRetrySettings(max_retries=3, timeout=model.timeout_seconds),
            logging_level="info",
        ),
        tags={"model": model_reference},
        **code,
    )


# --- the command line ---------------------------------------------------------------------------------------------


def _add_common_arguments(parser: argparse.ArgumentParser, kind: str, model_name: str) -> None:
    """The flags that name the workspace, the ``kind`` (online or batch) endpoint and the model version."""
    workspace.add_workspace_arguments(parser)
    parser.add_argument("--endpoint-name", help=f"{kind} endpoint (default: {kind}_endpoint from config-infra)")
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
    parser.add_argument("--dry-run", action="store_true", help="print the endpoint and deployment; touch no Azure")


def parse_online_args(
    argv: Sequence[str] | None,
    description: str,
    model: OnlineModel,
    request_file: Path,
    sample_request_help: str | None = None,
) -> argparse.Namespace:
    """The command line of deploy/online/deploy.py; ``--write-sample-request`` only with ``sample_request_help``."""
    parser = argparse.ArgumentParser(description=description)
    _add_common_arguments(parser, "online", model.name)
    parser.add_argument("--instance-type", default=model.instance_type, help=f"default: {model.instance_type}")
    parser.add_argument("--instance-count", type=int, default=model.instance_count, help="default: %(default)s")
    parser.add_argument("--request-file", type=Path, default=request_file, help="the smoke test's request")
    if sample_request_help:
        parser.add_argument("--write-sample-request", action="store_true", help=sample_request_help)
    return parser.parse_args(argv)


def parse_batch_args(
    argv: Sequence[str] | None, description: str, model: BatchModel, input_default: Path, input_help: str
) -> argparse.Namespace:
    """The command line of deploy/batch/deploy.py; a local --input must exist."""
    parser = argparse.ArgumentParser(description=description)
    _add_common_arguments(parser, "batch", model.name)
    parser.add_argument("--compute", help=f"compute cluster (default: cpu_cluster from config-infra, else {COMPUTE})")
    parser.add_argument("--input", default=str(input_default), help=input_help)
    # Every rollout runs its test job and waits for it; the flags of earlier versions are still accepted.
    parser.add_argument("--invoke", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--wait", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not _is_uri(args.input) and not Path(args.input).exists():
        parser.error(f"--input {args.input}: no such file or folder")
    return args


def _is_uri(text: str) -> bool:
    return "://" in text or text.startswith("azureml:")


def scoring_input(path: str | os.PathLike[str]) -> Any:
    """A batch scoring job's input: a local file or folder (uploaded on invoke) or an azureml:/https: URI."""
    from azure.ai.ml import Input
    from azure.ai.ml.constants import AssetTypes

    text = str(path)
    if _is_uri(text):
        return Input(type=AssetTypes.URI_FOLDER if text.endswith("/") else AssetTypes.URI_FILE, path=text)
    local = Path(text).resolve()  # invoke uploads absolute local paths
    return Input(type=AssetTypes.URI_FOLDER if local.is_dir() else AssetTypes.URI_FILE, path=str(local))


def json_answer(response: str) -> tuple[Any, str | None]:
    """An endpoint's answer decoded (servers may send the JSON document as a JSON string), or the problem."""
    try:
        answer = json.loads(response)
    except json.JSONDecodeError:
        return None, f"the answer is not JSON: {response[:200]}"
    if isinstance(answer, str):
        try:
            answer = json.loads(answer)
        except json.JSONDecodeError:
            return None, f"the answer is not a list of predictions: {answer[:200]}"
    return answer, None


# --- connecting -----------------------------------------------------------------------------------------------------


def resolve_model(args: argparse.Namespace, subscription_id: str, workspace_client: Any) -> str:
    """The URI of the model version to deploy; looks up the newest version when --model-version is latest."""
    if args.model_source == "registry":
        registry_client = workspace.ml_client(subscription_id, registry_name=args.registry)
        version = workspace.resolve_version(registry_client, args.model_name, args.model_version)
        return workspace.model_uri(args.model_name, version, args.registry)
    version = workspace.resolve_version(workspace_client, args.model_name, args.model_version)
    return workspace.model_uri(args.model_name, version)


def version_of(reference: str) -> str:
    """The version in a model reference: azureml:<name>:<version> or azureml://registries/.../versions/<version>."""
    return reference.replace(":", "/").rsplit("/", 1)[-1]


def _planned_model(args: argparse.Namespace) -> str:
    """The model reference a dry run shows: the version as given, ``<newest>`` for latest (no lookup)."""
    version = "<newest>" if args.model_version == workspace.LATEST else args.model_version
    registry = args.registry if args.model_source == "registry" else None
    return workspace.model_uri(args.model_name, version, registry)


def _read_settings(args: argparse.Namespace, endpoint_setting: str) -> dict[str, Any]:
    """Fill in the model source, registry and endpoint name that the command line left open; return the
    settings of config-infra-<environment>.yml."""
    config = workspace.read_config(args.environment)
    args.model_source = args.model_source or ("registry" if args.environment == "prod" else "workspace")
    args.registry = args.registry or config.get("model_registry")
    args.endpoint_name = args.endpoint_name or config.get(endpoint_setting)
    return config


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


def deploy_online(
    args: argparse.Namespace,
    model: OnlineModel,
    *,
    request_problems: Callable[[Any], list[str]],
    prediction_problems: Callable[[str, Any], list[str]],
    sample_request: Callable[[], str] | None = None,
) -> int:
    """Roll the model version out to the online endpoint of config-infra-<environment>.yml; the exit code.
    ``sample_request`` gives the text that --write-sample-request writes."""
    if sample_request is not None and args.write_sample_request:
        args.request_file.write_text(sample_request(), encoding="utf-8")
        print(f"Wrote {args.request_file}")
        return 0

    config = _read_settings(args, "online_endpoint")
    request = json.loads(args.request_file.read_text(encoding="utf-8"))
    problems = request_problems(request)
    if problems:
        hint = " (rewrite it with --write-sample-request)" if sample_request is not None else ""
        print(f"error: {args.request_file}: {'; '.join(problems)}{hint}", file=sys.stderr)
        return 2
    settings, names = rollout.online_rollout(args.environment), rollout.deployment_names()

    def build_deployment(name: str, reference: str) -> Any:
        return build_online_deployment(
            model,
            args.endpoint_name,
            reference,
            name=name,
            instance_type=args.instance_type,
            instance_count=args.instance_count,
        )

    if args.dry_run:
        name = args.endpoint_name or "<online_endpoint>"
        print(workspace.to_yaml(build_online_endpoint(model, name, environment=args.environment)))
        print("---")
        args.endpoint_name = name
        print(workspace.to_yaml(build_deployment(f"<{' or '.join(names)}>", _planned_model(args))))
        return 0

    connection = _connect(args, config)
    if connection is None:
        return 2
    client, reference = connection

    def smoke(ml_client: Any, deployment: str) -> list[str]:
        answer = ml_client.online_endpoints.invoke(
            endpoint_name=args.endpoint_name, deployment_name=deployment, request_file=str(args.request_file)
        )
        return prediction_problems(answer, request)

    code = rollout.roll_out_online(
        client,
        endpoint=args.endpoint_name,
        environment=args.environment,
        model=reference,
        build_endpoint=lambda: build_online_endpoint(model, args.endpoint_name, environment=args.environment),
        build_deployment=lambda name: build_deployment(name, reference),
        smoke=smoke,
        settings=settings,
        names=names,
    )
    if code == 0:
        workspace.publish(model_version=version_of(reference))
    return code


def deploy_batch(args: argparse.Namespace, model: BatchModel) -> int:
    """Roll the model version out to the batch endpoint of config-infra-<environment>.yml; the exit code."""
    config = _read_settings(args, "batch_endpoint")
    compute = args.compute or config.get("cpu_cluster") or COMPUTE
    names = rollout.deployment_names()

    if args.dry_run:
        name = args.endpoint_name or "<batch_endpoint>"
        print(workspace.to_yaml(build_batch_endpoint(model, name, environment=args.environment)))
        print("---")
        planned = build_batch_deployment(
            model, name, _planned_model(args), name=f"<{' or '.join(names)}>", compute=compute
        )
        print(workspace.to_yaml(planned))
        return 0

    connection = _connect(args, config)
    if connection is None:
        return 2
    client, reference = connection
    code = rollout.roll_out_batch(
        client,
        endpoint=args.endpoint_name,
        environment=args.environment,
        model=reference,
        build_endpoint=lambda: build_batch_endpoint(model, args.endpoint_name, environment=args.environment),
        build_deployment=lambda name: build_batch_deployment(
            model, args.endpoint_name, reference, name=name, compute=compute
        ),
        test_input=scoring_input(args.input),
        names=names,
    )
    if code == 0:
        workspace.publish(model_version=version_of(reference))
    return code


# --- the scripts' entry points --------------------------------------------------------------------------------------


def online_main(
    argv: Sequence[str] | None,
    model: OnlineModel,
    request_file: Path,
    *,
    request_problems: Callable[[Any], list[str]],
    prediction_problems: Callable[[str, Any], list[str]],
    sample_request: Callable[[], str] | None = None,
    sample_request_help: str | None = None,
) -> int:
    """deploy/online/deploy.py: roll a version of ``model`` out to the online endpoint; the exit code."""
    description = (
        f"Roll a version of {model.name} out to the managed online endpoint of config-infra-<environment>.yml, "
        f"in stages, smoke-testing it with {request_file.name}."
    )
    args = parse_online_args(argv, description, model, request_file, sample_request_help)
    return deploy_online(
        args,
        model,
        request_problems=request_problems,
        prediction_problems=prediction_problems,
        sample_request=sample_request,
    )


def batch_main(argv: Sequence[str] | None, model: BatchModel, sample: Path, input_help: str) -> int:
    """deploy/batch/deploy.py: roll a version of ``model`` out to the batch endpoint, testing it with a scoring job
    on ``sample`` (or --input); the exit code."""
    description = (
        f"Roll a version of {model.name} out to the batch endpoint of config-infra-<environment>.yml, testing it "
        "with a scoring job on the sample data."
    )
    default = sample.relative_to(PROJECT_ROOT).as_posix() if sample.is_relative_to(PROJECT_ROOT) else sample
    args = parse_batch_args(argv, description, model, sample, f"{input_help} (default: {default})")
    return deploy_batch(args, model)

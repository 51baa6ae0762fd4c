"""What every Azure ML script of this project shares: the settings of config-infra-<environment>.yml, the
subscription, a sign-in that outlives a CI token, an authenticated client, model references and handing
results on to the next CI step.

The scripts under mlops/azureml/ import it by adding this folder to ``sys.path``:

    sys.path.insert(0, str(Path(__file__).resolve().parents[N]))  # N: how deep the script is below here
    import workspace

Nothing here contacts Azure at import time; the Azure packages are imported by the functions that need them.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PROJECT_ROOT = HERE.parents[1]
SOURCE_DIR = PROJECT_ROOT / "data-science" / "src"  # the code of every job and deployment
CONDA_FILE = PROJECT_ROOT / "data-science" / "environment" / "conda.yml"
ENVIRONMENTS = ("dev", "prod")
LATEST = "latest"
REGISTRATION_FILE = "registration.json"
# --production-model of the training pipeline: AUTO compares with the newest registered version of the model
# (if any), NONE with nothing.
AUTO = "auto"
NONE = "none"
# The audience Microsoft Entra ID expects in a federated token.
TOKEN_AUDIENCE = "api://AzureADTokenExchange"


def read_config(environment: str) -> dict[str, Any]:
    """The settings of config-infra-<environment>.yml at the project root (empty when the file is missing)."""
    path = PROJECT_ROOT / f"config-infra-{environment}.yml"
    if not path.is_file():
        return {}
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def current_subscription() -> str | None:
    """The Azure CLI's current subscription (`az account show`), or None without a logged-in CLI."""
    try:
        completed = subprocess.run(
            ["az", "account", "show", "--query", "id", "--output", "tsv"],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if completed.returncode != 0:
        return None
    return completed.stdout.strip() or None


def add_workspace_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags that choose the environment and, where config-infra-<environment>.yml should not, the
    subscription, resource group and workspace."""
    parser.add_argument("--environment", choices=ENVIRONMENTS, default="dev", help="which config-infra file to use")
    parser.add_argument(
        "--subscription-id",
        default=os.environ.get("AZURE_SUBSCRIPTION_ID"),
        help="Azure subscription (default: $AZURE_SUBSCRIPTION_ID, else the Azure CLI's current subscription)",
    )
    parser.add_argument("--resource-group", help="resource group of the workspace (default: from config-infra)")
    parser.add_argument("--workspace", help="Azure ML workspace (default: aml_workspace from config-infra)")


def missing_settings(needed: Mapping[str, Any], environment: str = "dev", hint: str = "") -> bool:
    """Print one error line naming the flags that have no value (neither given nor in config-infra) and
    return True; return False when every flag has one."""
    missing = [flag for flag, value in needed.items() if not value]
    if not missing:
        return False
    print(
        f"error: {', '.join(missing)} not given and not found in config-infra-{environment}.yml or the Azure CLI"
        + (f" ({hint})" if hint else ""),
        file=sys.stderr,
    )
    return True


def workspace_of(args: argparse.Namespace, config: Mapping[str, Any], hint: str = "") -> tuple[str, str, str] | None:
    """The subscription, resource group and workspace that the flags of ``add_workspace_arguments`` or
    config-infra name; None, after one error line naming the flags that have no value, when one is missing."""
    subscription_id = args.subscription_id or current_subscription()
    resource_group = args.resource_group or config.get("resource_group")
    workspace_name = args.workspace or config.get("aml_workspace")
    needed = {"--subscription-id": subscription_id, "--resource-group": resource_group, "--workspace": workspace_name}
    if missing_settings(needed, args.environment, hint):
        return None
    return subscription_id, resource_group, workspace_name


def training_parser(description: str) -> argparse.ArgumentParser:
    """The parser of the training pipeline (train/pipeline.py) with the workspace flags and --compute."""
    import model_settings

    parser = argparse.ArgumentParser(
        description=description,
        epilog="The workspace and the compute clusters come from config-infra-<environment>.yml unless given here.",
    )
    add_workspace_arguments(parser)
    parser.add_argument(
        "--compute", help=f"CPU cluster (default: cpu_cluster from config-infra, else {model_settings.COMPUTE})"
    )
    return parser


def parse_training_args(
    parser: argparse.ArgumentParser, argv: Any, is_remote: Callable[[str], bool]
) -> argparse.Namespace:
    """The flags of the training pipeline; a --raw-data that is not ``is_remote`` must exist here."""
    args = parser.parse_args(argv)
    if not is_remote(str(args.raw_data)) and not Path(args.raw_data).exists():
        parser.error(f"--raw-data {args.raw_data}: no such file or folder")
    return args


def add_training_arguments(parser: argparse.ArgumentParser, *, model_uri: str) -> None:
    """The flags of the training pipeline (train/pipeline.py) about the model to beat, the split and the run,
    with the defaults of model_settings.py; ``model_uri`` says how --production-model names a model."""
    import model_settings

    model_name, experiment = model_settings.MODEL_NAME, model_settings.EXPERIMENT
    parser.add_argument("--model-name", default=model_name, help=f"registered model name (default: {model_name})")
    parser.add_argument(
        "--production-model",
        default=AUTO,
        help=f"model the candidate must beat: '{AUTO}' (default) = the newest registered version of --model-name, "
        f"'{NONE}' = none, or {model_uri}",
    )
    parser.add_argument("--min-improvement", type=float, default=0.0, help=model_settings.GATE_HELP)
    parser.add_argument("--test-size", type=float, default=model_settings.TEST_SIZE, help=model_settings.TEST_SIZE_HELP)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--experiment-name", default=experiment, help=f"default: {experiment}")
    parser.add_argument(
        "--wait",
        action="store_true",
        help="stream the pipeline's logs; exit 1 if it fails; then report whether a model version was registered",
    )


def training_options(
    args: argparse.Namespace, config: Mapping[str, Any], production_model: str | None
) -> dict[str, Any]:
    """The options of the training pipeline (train/training.py's ``Steps``) that the flags of train/pipeline.py
    set: --raw-data, the flags of ``add_training_arguments``, the clusters (the flag, else config-infra, else
    model_settings.py) and the model to beat that the script chose."""
    import model_settings

    options = {
        "raw_data": args.raw_data,
        "model_name": args.model_name,
        "production_model": production_model,
        "test_size": args.test_size,
        "seed": args.seed,
        "min_improvement": args.min_improvement,
        "compute": args.compute or config.get("cpu_cluster") or model_settings.COMPUTE,
    }
    if hasattr(args, "gpu_compute"):  # a model that trains on GPUs
        options["gpu_compute"] = args.gpu_compute or config.get("gpu_cluster") or model_settings.GPU_COMPUTE
    return options


def github_federated_token() -> str:
    """A new OIDC token of the running GitHub Actions job, for Microsoft Entra ID
    (docs.github.com/actions/reference/security/oidc#methods-for-requesting-the-oidc-token)."""
    url = os.environ["ACTIONS_ID_TOKEN_REQUEST_URL"]
    separator = "&" if urllib.parse.urlsplit(url).query else "?"
    request = urllib.request.Request(
        url + separator + urllib.parse.urlencode({"audience": TOKEN_AUDIENCE}),
        headers={"Authorization": f"bearer {os.environ.get('ACTIONS_ID_TOKEN_REQUEST_TOKEN', '')}"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (the runner's own endpoint)
        return json.load(response)["value"]


def credential() -> Any:
    """The credential every script signs in with. In CI the Azure CLI's sign-in rests on a federated token
    valid for minutes, which the CLI cannot renew (jobs that outlive it fail with AADSTS700024), so CI gets
    credentials that ask for a new token whenever Microsoft Entra ID needs one:

    - Azure DevOps, in an AzureCLI@2 step with SYSTEM_ACCESSTOKEN mapped (templates/azure-cli.yml, renewLogin):
      azure-identity's AzurePipelinesCredential for the step's service connection;
    - GitHub Actions, in a job with `permissions: id-token: write` and AZURE_CLIENT_ID / AZURE_TENANT_ID set
      (the azure-ml-setup action sets them): a ClientAssertionCredential that asks GitHub for a new token;
    - anywhere else: the Azure CLI's session (`az login`, which renews itself).
    """
    from azure.identity import AzureCliCredential, AzurePipelinesCredential, ClientAssertionCredential

    environment = os.environ
    if environment.get("SYSTEM_ACCESSTOKEN") and environment.get("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID"):
        return AzurePipelinesCredential(
            tenant_id=environment.get("AZURESUBSCRIPTION_TENANT_ID", ""),
            client_id=environment.get("AZURESUBSCRIPTION_CLIENT_ID", ""),
            service_connection_id=environment["AZURESUBSCRIPTION_SERVICE_CONNECTION_ID"],
            system_access_token=environment["SYSTEM_ACCESSTOKEN"],
        )
    github = ("ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "AZURE_CLIENT_ID", "AZURE_TENANT_ID")
    if all(environment.get(name) for name in github):
        return ClientAssertionCredential(
            environment["AZURE_TENANT_ID"], environment["AZURE_CLIENT_ID"], github_federated_token
        )
    return AzureCliCredential()


def ml_client(subscription_id: str, resource_group: str | None = None, workspace: str | None = None, **scope: Any):
    """An azure-ai-ml MLClient for a workspace (or, with ``registry_name=``, a registry), signed in with
    ``credential()``: `az login` on a laptop, a self-renewing OIDC / workload identity sign-in in CI."""
    from azure.ai.ml import MLClient

    return MLClient(credential(), subscription_id, resource_group, workspace, **scope)


def model_uri(name: str, version: str, registry: str | None = None) -> str:
    """How a deployment refers to a model version: in the workspace, or in the Azure ML registry ``registry``."""
    if registry:
        return f"azureml://registries/{registry}/models/{name}/versions/{version}"
    return f"azureml:{name}:{version}"


def newest_version(client: Any, name: str) -> str | None:
    """The newest registered version of the model in the client's workspace or registry, None when it has none."""
    from azure.core.exceptions import ResourceNotFoundError

    try:
        return str(client.models.get(name=name, label=LATEST).version)
    except ResourceNotFoundError:
        return None


def resolve_version(client: Any, name: str, version: str) -> str:
    """``version`` itself, or the newest registered version when it is ``latest`` (an error when there is none)."""
    if version != LATEST:
        return version
    newest = newest_version(client, name)
    if newest is None:
        raise SystemExit(f"error: no version of model {name} is registered")
    return newest


def submitted(job_name: str, url: str | None, what: str) -> None:
    """Say that a job was submitted and hand its name on to later CI steps at once (job_name), so that a
    failure while waiting for it still names the job."""
    print(f"Submitted {what} {job_name}: {url or 'see Azure ML studio'}")
    publish(job_name=job_name)


def wait_for_job(client: Any, job_name: str, what: str) -> bool:
    """Stream a submitted job's log until it ends, report its status; whether it completed."""
    client.jobs.stream(job_name)  # raises when the job fails
    status = client.jobs.get(job_name).status
    print(f"{what} {job_name} finished: {status}")
    return status == "Completed"


def to_yaml(entity: Any) -> str:
    """An SDK entity as YAML (endpoints return their dict from dump(); deployments write it to the stream)."""
    import yaml

    stream = io.StringIO()
    data = entity.dump(stream)
    return stream.getvalue() or yaml.safe_dump(json.loads(json.dumps(data)), sort_keys=False)


def publish(**values: Any) -> None:
    """Hand values on to later CI steps: GitHub Actions step outputs, Azure DevOps output variables
    (``<step>.<name>``). Outside CI this prints nothing."""
    github_output = os.environ.get("GITHUB_OUTPUT")
    if github_output:
        with open(github_output, "a", encoding="utf-8") as handle:
            for name, value in values.items():
                handle.write(f"{name}={value}\n")
    if os.environ.get("TF_BUILD"):  # set on Azure DevOps agents
        for name, value in values.items():
            print(f"##vso[task.setvariable variable={name};isoutput=true]{value}")


def read_registration(folder: Path) -> dict[str, Any]:
    """The register step's registration.json, found anywhere below ``folder`` (downloads nest it)."""
    found = next(iter(sorted(Path(folder).rglob(REGISTRATION_FILE))), None)
    if found is None:
        raise SystemExit(f"error: the pipeline's registration output has no {REGISTRATION_FILE}")
    return json.loads(found.read_text(encoding="utf-8"))


def report_registration(job_name: str, registration: Mapping[str, Any], model_name: str) -> None:
    """Print what the register step decided and publish job_name, registered, model_name and model_version,
    so that CI deploys the new version, or nothing when none was registered."""
    registered = registration.get("registered") is True
    name = registration.get("name") or model_name
    version = "" if registration.get("version") is None else str(registration["version"])
    reason = registration.get("reason", "")
    if registered:
        print(f"Training job {job_name} registered {name} version {version}. {reason}".rstrip())
    else:
        print(f"Training job {job_name} did not register a new model: {reason}".rstrip())
    publish(job_name=job_name, registered=str(registered).lower(), model_name=name, model_version=version)

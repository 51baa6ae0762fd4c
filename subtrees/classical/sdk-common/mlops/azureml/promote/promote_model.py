"""Promote a version of taxi-fare-model from the dev workspace to the Azure ML registry, for prod to deploy.

Models are trained once, in dev, and promoted rather than retrained: the training pipeline registers a version
in the dev workspace only when it beat the model before it, and this script shares that version (by default the
newest) with the registry under the same name and version. The prod deployments then take it from there
(`deploy.py --environment prod`). Running it again for a version already in the registry changes nothing.

The dev workspace comes from config-infra-dev.yml, the registry from model_registry in config-infra-prod.yml;
the subscription from --subscription-id, $AZURE_SUBSCRIPTION_ID or the Azure CLI's current account. The
promoted version is printed, and also handed to the CI job that runs the script: as the step output
`model_version` on GitHub Actions ($GITHUB_OUTPUT), as the output variable `model_version` on Azure DevOps.

    pip install -r mlops/azureml/requirements.txt
    python mlops/azureml/promote/promote_model.py                    # the newest dev version
    python mlops/azureml/promote/promote_model.py --model-version 7
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[3]
MODEL_NAME = "taxi-fare-model"
LATEST = "latest"


def registry_model_uri(registry: str, name: str, version: str) -> str:
    """How prod deployments refer to the promoted model version."""
    return f"azureml://registries/{registry}/models/{name}/versions/{version}"


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


def publish_version(version: str) -> None:
    """Hand the promoted version to later CI steps (GitHub Actions step output, Azure DevOps output variable)."""
    github_output = os.environ.get("GITHUB_OUTPUT")
    if github_output:
        with open(github_output, "a", encoding="utf-8") as handle:
            handle.write(f"model_version={version}\n")
    if os.environ.get("TF_BUILD"):  # set on Azure DevOps agents
        print(f"##vso[task.setvariable variable=model_version;isoutput=true]{version}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Share a version of taxi-fare-model from the dev workspace with the Azure ML registry "
        "that the prod deployments use.",
    )
    parser.add_argument(
        "--subscription-id",
        default=os.environ.get("AZURE_SUBSCRIPTION_ID"),
        help="Azure subscription (default: $AZURE_SUBSCRIPTION_ID, else the Azure CLI's current subscription)",
    )
    parser.add_argument("--resource-group", help="resource group of the dev workspace (default: config-infra-dev)")
    parser.add_argument("--workspace", help="dev workspace (default: aml_workspace from config-infra-dev.yml)")
    parser.add_argument("--registry", help="Azure ML registry (default: model_registry from config-infra-prod.yml)")
    parser.add_argument("--model-name", default=MODEL_NAME, help=f"default: {MODEL_NAME}")
    parser.add_argument("--model-version", default=LATEST, help="version to promote (default: the newest in dev)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Share the model version with the registry unless it is there already. Returns the exit code."""
    args = parse_args(argv)
    dev, prod = read_config("dev"), read_config("prod")
    subscription_id = args.subscription_id or current_subscription()
    resource_group = args.resource_group or dev.get("resource_group")
    workspace = args.workspace or dev.get("aml_workspace")
    registry = args.registry or prod.get("model_registry") or dev.get("model_registry")
    needed = {
        "--subscription-id": subscription_id,
        "--resource-group": resource_group,
        "--workspace": workspace,
        "--registry": registry,
    }
    missing = [flag for flag, value in needed.items() if not value]
    if missing:
        print(
            f"error: {', '.join(missing)} not given and not found in config-infra-dev.yml, config-infra-prod.yml "
            "or the Azure CLI",
            file=sys.stderr,
        )
        return 2

    from azure.ai.ml import MLClient
    from azure.core.exceptions import ResourceNotFoundError
    from azure.identity import AzureCliCredential

    # The Azure CLI session: `az login` on a laptop, the OIDC / workload identity login in CI.
    credential = AzureCliCredential()
    workspace_client = MLClient(credential, subscription_id, resource_group, workspace)
    registry_client = MLClient(credential, subscription_id, registry_name=registry)

    model = workspace_client.models.get(
        name=args.model_name, **({"label": LATEST} if args.model_version == LATEST else {"version": args.model_version})
    )
    version = str(model.version)
    target = registry_model_uri(registry, args.model_name, version)
    try:
        registry_client.models.get(name=args.model_name, version=version)
        print(f"{target} is already in the registry: nothing to do")
    except ResourceNotFoundError:
        print(f"Promoting azureml:{args.model_name}:{version} of {workspace} to {target}")
        workspace_client.models.share(
            name=args.model_name,
            version=version,
            share_with_name=args.model_name,
            share_with_version=version,
            registry_name=registry,
        )
        print(f"Promoted: {target}")
    publish_version(version)
    return 0


if __name__ == "__main__":
    sys.exit(main())

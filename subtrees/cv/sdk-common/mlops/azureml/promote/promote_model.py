"""Promote a version of image-classifier from the dev workspace to the Azure ML registry, for prod to deploy.

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
import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import workspace  # noqa: E402  (mlops/azureml/workspace.py: settings and helpers the scripts share)

MODEL_NAME = "image-classifier"
LATEST = workspace.LATEST


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Share a version of image-classifier from the dev workspace with the Azure ML registry "
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
    dev, prod = workspace.read_config("dev"), workspace.read_config("prod")
    subscription_id = args.subscription_id or workspace.current_subscription()
    resource_group = args.resource_group or dev.get("resource_group")
    workspace_name = args.workspace or dev.get("aml_workspace")
    registry = args.registry or prod.get("model_registry") or dev.get("model_registry")
    needed = {
        "--subscription-id": subscription_id,
        "--resource-group": resource_group,
        "--workspace": workspace_name,
        "--registry": registry,
    }
    if workspace.missing_settings(needed, "dev", hint="the registry comes from config-infra-prod.yml"):
        return 2

    from azure.core.exceptions import ResourceNotFoundError

    workspace_client = workspace.ml_client(subscription_id, resource_group, workspace_name)
    registry_client = workspace.ml_client(subscription_id, registry_name=registry)

    version = workspace.resolve_version(workspace_client, args.model_name, args.model_version)
    target = workspace.model_uri(args.model_name, version, registry)
    try:
        registry_client.models.get(name=args.model_name, version=version)
        print(f"{target} is already in the registry: nothing to do")
    except ResourceNotFoundError:
        print(f"Promoting {workspace.model_uri(args.model_name, version)} of {workspace_name} to {target}")
        workspace_client.models.share(
            name=args.model_name,
            version=version,
            share_with_name=args.model_name,
            share_with_version=version,
            registry_name=registry,
        )
        print(f"Promoted: {target}")
    workspace.publish(model_version=version)
    return 0


if __name__ == "__main__":
    sys.exit(main())

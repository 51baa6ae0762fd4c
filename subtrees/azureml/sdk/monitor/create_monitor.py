"""Create or update the model monitor of one environment with the Azure ML Python SDK v2 (azure-ai-ml).

The monitor is built by schedule.py beside this script, with the settings of mlops/monitoring.yml (name,
schedule, compute, e-mails, thresholds) and pointed at the deployment that serves the online endpoint of
config-infra-<environment>.yml:

1. the deployment with the most traffic on the endpoint is the one monitored (a rollout moves it: CI runs
   this script again after every deployment); without an endpoint or traffic there is nothing to monitor yet,
   and the script says so and ends without failing;
2. with a managed network, the workspace's network is provisioned for serverless Spark, on which the monitor
   runs (a no-op once done);
3. the reference data and the custom signal component of schedule.py, when it has them, are registered (the
   component under a version derived from its files, only when that version is missing);
4. the monitor (an Azure ML schedule) is created or updated.

    pip install -r mlops/azureml/requirements.txt
    python mlops/azureml/monitor/create_monitor.py --dry-run          # print the monitor, no Azure needed
    az login
    python mlops/azureml/monitor/create_monitor.py --environment dev
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1] / "monitoring"))
import schedule  # noqa: E402  (schedule.py beside this script: this project's monitor definition)
import settings  # noqa: E402  (mlops/monitoring/settings.py: the settings of mlops/monitoring.yml)
import workspace  # noqa: E402  (mlops/azureml/workspace.py: settings and helpers the scripts share)


def live_deployment(traffic: Mapping[str, Any] | None) -> str | None:
    """The deployment that gets the most traffic of an endpoint, None when none gets any."""
    serving = {name: int(share) for name, share in (traffic or {}).items() if int(share) > 0}
    return max(serving, key=lambda name: serving[name]) if serving else None


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    workspace.add_workspace_arguments(parser)
    parser.add_argument("--endpoint-name", help="online endpoint (default: online_endpoint from config-infra)")
    parser.add_argument("--dry-run", action="store_true", help="print the monitor for the deployment blue; no Azure")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    config = workspace.read_config(args.environment)
    endpoint = args.endpoint_name or config.get("online_endpoint")
    try:
        monitor_settings, _ = settings.load()
    except settings.SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if args.dry_run:
        print(workspace.to_yaml(schedule.build_schedule(monitor_settings, endpoint=endpoint or "endpoint")))
        return 0
    subscription_id = args.subscription_id or workspace.current_subscription()
    resource_group = args.resource_group or config.get("resource_group")
    workspace_name = args.workspace or config.get("aml_workspace")
    needed = {
        "--subscription-id": subscription_id,
        "--resource-group": resource_group,
        "--workspace": workspace_name,
        "--endpoint-name": endpoint,
    }
    if workspace.missing_settings(needed, args.environment):
        return 2
    from azure.core.exceptions import ResourceNotFoundError

    client = workspace.ml_client(subscription_id, resource_group, workspace_name)
    try:
        deployment = live_deployment(client.online_endpoints.get(endpoint).traffic)
    except ResourceNotFoundError:
        deployment = None
    if deployment is None:
        print(f"No deployment of {endpoint} ({args.environment}) gets traffic yet: nothing to monitor")
        return 0

    network = client.workspaces.get(workspace_name).managed_network
    if network is not None and str(network.isolation_mode).lower() != "disabled":
        print(f"Provisioning the managed network of {workspace_name} for serverless Spark")
        client.workspaces.begin_provision_network(workspace_name=workspace_name, include_spark=True).result()

    reference_version = None
    reference = schedule.reference_data()
    if reference is not None:
        reference_version = client.data.create_or_update(reference).version
    component_version = None
    component = schedule.signal_component()
    if component is not None:
        component_version = settings.files_version(*schedule.SIGNAL_FILES)
        try:
            client.components.get(component.name, version=component_version)
        except ResourceNotFoundError:
            component.version = component_version
            client.components.create_or_update(component)

    monitor = schedule.build_schedule(
        monitor_settings,
        endpoint=endpoint,
        deployment=deployment,
        reference_version=reference_version,
        component_version=component_version,
    )
    client.schedules.begin_create_or_update(monitor).result()
    print(f"Model monitor {monitor.name} ({args.environment}) watches {endpoint}/{deployment}")
    workspace.publish(monitor_name=monitor.name, monitored_deployment=deployment)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

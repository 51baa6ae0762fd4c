#!/usr/bin/env bash
# Creates or updates the model monitor of one environment: the Azure ML schedule of
# mlops/azureml/monitor/monitor.yml, with the settings of mlops/monitoring.yml (name, schedule, compute,
# e-mails, thresholds), pointed at the deployment that serves the online endpoint of config-infra-<environment>.yml.
#
# 1. The deployment with the most traffic on the endpoint is the one monitored (a rollout moves it: CI runs
#    this script again after every deployment). Without an endpoint or traffic there is nothing to monitor
#    yet, and the script says so and stops without failing.
# 2. With a managed network, the workspace's network is provisioned for serverless Spark, on which the
#    monitor runs (az ml workspace provision-network --include-spark; a no-op once done).
# 3. The reference data (reference-data.yml) is registered, and the custom signal component
#    (*-signal.yml) is registered under a version derived from its files when that version is missing.
# 4. mlops/monitoring/settings.py renders the schedule, and `az ml schedule create` creates or updates it.
#
# Needs python3 with PyYAML (pip install -r mlops/monitoring/requirements.txt) besides what lib.sh needs.
#
#   usage: mlops/scripts/create-monitor.sh <dev|prod>
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ "$#" -eq 1 ] || fail "usage: mlops/scripts/create-monitor.sh <dev|prod>"
environment=$1
check_environment "$environment"
require_tools
cd "$PROJECT_ROOT"

schedule_file="$MONITOR_DIR/monitor.yml"
[ -f "$schedule_file" ] || fail "mlops/azureml/monitor/monitor.yml is missing"
resource_group=$(config_value "$environment" resource_group)
workspace=$(config_value "$environment" aml_workspace)
endpoint=$(config_value "$environment" online_endpoint)
scope=(--resource-group "$resource_group" --workspace-name "$workspace")

# 1. The deployment that serves the endpoint.
if ! traffic=$(az ml online-endpoint show --name "$endpoint" "${scope[@]}" --query traffic --output json \
  --only-show-errors 2>/dev/null); then
  summary "No online endpoint $endpoint in $environment yet: nothing to monitor (this runs again after a deployment)"
  exit 0
fi
deployment=$(jq -r '(. // {}) | to_entries | map(select(.value > 0)) | max_by(.value) | .key // ""' <<<"${traffic:-null}")
if [ -z "$deployment" ]; then
  summary "The online endpoint $endpoint ($environment) sends no traffic to a deployment: nothing to monitor yet"
  exit 0
fi

# 2. Serverless Spark inside the workspace's managed network.
isolation=$(az ml workspace show --name "$workspace" --resource-group "$resource_group" \
  --query managed_network.isolation_mode --output tsv --only-show-errors)
if [ -n "$isolation" ] && [ "${isolation,,}" != disabled ]; then
  echo "Provisioning the managed network of $workspace for serverless Spark"
  az ml workspace provision-network --name "$workspace" --resource-group "$resource_group" --include-spark \
    --only-show-errors --output none
fi

# 3. The assets the monitor definition names.
render=(--schedule "$schedule_file" --endpoint "$endpoint" --deployment "$deployment")
if [ -f "$MONITOR_DIR/reference-data.yml" ]; then
  version=$(az ml data create --file "$MONITOR_DIR/reference-data.yml" "${scope[@]}" --query version \
    --output tsv --only-show-errors)
  render+=(--reference-version "$version")
fi
for spec in "$MONITOR_DIR"/*-signal.yml; do
  [ -f "$spec" ] || continue
  name=$(yq -r '.name // ""' "$spec")
  [ -n "$name" ] || fail "${spec#"$PROJECT_ROOT"/} has no name"
  version=$(python3 "$PROJECT_ROOT/mlops/monitoring/settings.py" component-version "$spec")
  if ! az ml component show --name "$name" --version "$version" "${scope[@]}" --only-show-errors \
    --output none 2>/dev/null; then
    az ml component create --file "$spec" --set "version=$version" "${scope[@]}" --only-show-errors --output none
  fi
  render+=(--component-version "$version")
done

# 4. The schedule, with the settings of mlops/monitoring.yml.
rendered="$(mktemp -d)/monitor.yml"
python3 "$PROJECT_ROOT/mlops/monitoring/settings.py" render "${render[@]}" --output "$rendered"
name=$(yq -r '.name' "$rendered")
az ml schedule create --file "$rendered" "${scope[@]}" --only-show-errors --output none
summary "Model monitor $name ($environment) watches $endpoint/$deployment"
publish monitor_name "$name"
publish monitored_deployment "$deployment"

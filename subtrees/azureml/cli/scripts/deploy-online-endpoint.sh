#!/usr/bin/env bash
# Deploys a version of the model to the managed online endpoint of one environment and sends it the
# sample request (mlops/azureml/deploy/online/sample-request.json) as a smoke test.
#
# dev deploys a version registered in the dev workspace; prod deploys a version of the Azure ML registry
# (model_registry in config-infra-prod.yml), where promote-model.sh put it: prod never retrains. The
# endpoint (online-endpoint.yml) is created when it is missing; the deployment (online-deployment.yml) is
# created, or updated to the version, and gets all the traffic. Names come from
# config-infra-<environment>.yml (online_endpoint), never from the files, so one set of files serves both.
#
#   usage: mlops/scripts/deploy-online-endpoint.sh <dev|prod> [<version>|latest]
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ "$#" -ge 1 ] || fail "usage: mlops/scripts/deploy-online-endpoint.sh <dev|prod> [<version>|latest]"
environment=$1
requested=${2:-latest}
check_environment "$environment"
check_version "$requested"
require_tools
cd "$PROJECT_ROOT"

endpoint_file="$ONLINE_DIR/online-endpoint.yml"
deployment_file="$ONLINE_DIR/online-deployment.yml"
request_file="$ONLINE_DIR/sample-request.json"
for file in "$endpoint_file" "$deployment_file" "$request_file"; do
  [ -f "$file" ] || fail "${file#"$PROJECT_ROOT"/} is missing"
done

resource_group=$(config_value "$environment" resource_group)
workspace=$(config_value "$environment" aml_workspace)
endpoint=$(config_value "$environment" online_endpoint)
scope=(--resource-group "$resource_group" --workspace-name "$workspace")
name=$(model_name "$deployment_file")
deployment=$(yq -r '.name // ""' "$deployment_file")
[ -n "$deployment" ] || fail "mlops/azureml/deploy/online/online-deployment.yml has no name"

if [ "$environment" = prod ]; then
  registry=$(config_value prod model_registry)
  version=$(resolve_version "$name" "$requested" --registry-name "$registry")
  model="azureml://registries/$registry/models/$name/versions/$version"
else
  version=$(resolve_version "$name" "$requested" "${scope[@]}")
  model="azureml:$name:$version"
fi
echo "Deploying $model to $endpoint/$deployment"

if az ml online-endpoint show --name "$endpoint" "${scope[@]}" --only-show-errors --output none 2>/dev/null; then
  echo "Endpoint $endpoint exists"
else
  az ml online-endpoint create --file "$endpoint_file" --name "$endpoint" "${scope[@]}" --only-show-errors --output none
fi

if az ml online-deployment show --name "$deployment" --endpoint-name "$endpoint" "${scope[@]}" \
  --only-show-errors --output none 2>/dev/null; then
  az ml online-deployment update --file "$deployment_file" --endpoint-name "$endpoint" \
    --set "model=$model" "${scope[@]}" --only-show-errors --output none
  az ml online-endpoint update --name "$endpoint" --traffic "$deployment=100" "${scope[@]}" \
    --only-show-errors --output none
else
  az ml online-deployment create --file "$deployment_file" --endpoint-name "$endpoint" \
    --set "model=$model" --all-traffic "${scope[@]}" --only-show-errors --output none
fi

# Smoke test: the answer must be a non-empty JSON list or object (the predictions).
response=$(az ml online-endpoint invoke --name "$endpoint" --deployment-name "$deployment" \
  --request-file "$request_file" "${scope[@]}" --only-show-errors)
echo "Answer to sample-request.json: $response"
if ! jq -e 'if type == "string" then (fromjson? // .) else . end | (type == "array" or type == "object") and length > 0' \
  <<<"$response" >/dev/null 2>&1; then
  fail "the online endpoint $endpoint did not answer the sample request with predictions"
fi
summary "Online endpoint $endpoint ($environment) serves $model"
publish model_version "$version"

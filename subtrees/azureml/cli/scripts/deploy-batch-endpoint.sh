#!/usr/bin/env bash
# Deploys a version of the model to the batch endpoint of one environment; with --invoke it then scores
# the training data (the file or folder that mlops/azureml/train/data.yml registers) and waits for the
# scoring job, as a smoke test.
#
# dev deploys a version registered in the dev workspace; prod deploys a version of the Azure ML registry
# (model_registry in config-infra-prod.yml), where promote-model.sh put it: prod never retrains. The
# endpoint (batch-endpoint.yml) is created when it is missing; the deployment (batch-deployment.yml) is
# created, or updated to the version, and made the endpoint's default. Names come from
# config-infra-<environment>.yml (batch_endpoint), never from the files, so one set of files serves both.
#
#   usage: mlops/scripts/deploy-batch-endpoint.sh <dev|prod> [<version>|latest] [--invoke]
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage="usage: mlops/scripts/deploy-batch-endpoint.sh <dev|prod> [<version>|latest] [--invoke]"
invoke=false
positional=()
for argument in "$@"; do
  case "$argument" in
    --invoke) invoke=true ;;
    -*) fail "$usage" ;;
    *) positional+=("$argument") ;;
  esac
done
set -- "${positional[@]}"
[ "$#" -ge 1 ] && [ "$#" -le 2 ] || fail "$usage"
environment=$1
requested=${2:-latest}
check_environment "$environment"
check_version "$requested"
require_tools
cd "$PROJECT_ROOT"

endpoint_file="$BATCH_DIR/batch-endpoint.yml"
deployment_file="$BATCH_DIR/batch-deployment.yml"
for file in "$endpoint_file" "$deployment_file"; do
  [ -f "$file" ] || fail "${file#"$PROJECT_ROOT"/} is missing"
done

resource_group=$(config_value "$environment" resource_group)
workspace=$(config_value "$environment" aml_workspace)
endpoint=$(config_value "$environment" batch_endpoint)
scope=(--resource-group "$resource_group" --workspace-name "$workspace")
name=$(model_name "$deployment_file")
deployment=$(yq -r '.name // ""' "$deployment_file")
[ -n "$deployment" ] || fail "mlops/azureml/deploy/batch/batch-deployment.yml has no name"

if [ "$environment" = prod ]; then
  registry=$(config_value prod model_registry)
  version=$(resolve_version "$name" "$requested" --registry-name "$registry")
  model="azureml://registries/$registry/models/$name/versions/$version"
else
  version=$(resolve_version "$name" "$requested" "${scope[@]}")
  model="azureml:$name:$version"
fi
echo "Deploying $model to $endpoint/$deployment"

if az ml batch-endpoint show --name "$endpoint" "${scope[@]}" --only-show-errors --output none 2>/dev/null; then
  echo "Endpoint $endpoint exists"
else
  az ml batch-endpoint create --file "$endpoint_file" --name "$endpoint" "${scope[@]}" --only-show-errors --output none
fi

if az ml batch-deployment show --name "$deployment" --endpoint-name "$endpoint" "${scope[@]}" \
  --only-show-errors --output none 2>/dev/null; then
  az ml batch-deployment update --file "$deployment_file" --endpoint-name "$endpoint" \
    --set "model=$model" "${scope[@]}" --only-show-errors --output none
  az ml batch-endpoint update --name "$endpoint" --set "defaults.deployment_name=$deployment" "${scope[@]}" \
    --only-show-errors --output none
else
  az ml batch-deployment create --file "$deployment_file" --endpoint-name "$endpoint" \
    --set "model=$model" --set-default "${scope[@]}" --only-show-errors --output none
fi
summary "Batch endpoint $endpoint ($environment) scores with $model"
publish model_version "$version"

if [ "$invoke" = true ]; then
  data_file="$TRAIN_DIR/data.yml"
  [ -f "$data_file" ] || fail "--invoke scores the data of mlops/azureml/train/data.yml, which is missing"
  input=$(yq -r '.path // ""' "$data_file")
  input_type=$(yq -r '.type // "uri_folder"' "$data_file")
  [ -n "$input" ] || fail "mlops/azureml/train/data.yml has no path"
  case "$input" in
    azureml:* | http://* | https://* | abfss://* | wasbs://*) ;;
    *) input=$(realpath "$TRAIN_DIR/$input") ;;
  esac
  job=$(az ml batch-endpoint invoke --name "$endpoint" --deployment-name "$deployment" \
    --input "$input" --input-type "$input_type" "${scope[@]}" --query name --output tsv --only-show-errors)
  wait_for_job "$job" "${scope[@]}"
  summary "Batch scoring job $job completed: az ml job download --name $job --output-name score"
  publish job_name "$job"
fi

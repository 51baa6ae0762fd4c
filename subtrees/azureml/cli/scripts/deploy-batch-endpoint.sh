#!/usr/bin/env bash
# Rolls a version of the model out to the batch endpoint of one environment:
#
#   1. the endpoint (batch-endpoint.yml) is created when it is missing;
#   2. the version goes to a new deployment (batch-deployment.yml) under the name of `deployments` in
#      mlops/rollout.yml (blue, green) that is not the endpoint's default;
#   3. a test job scores the sample data (the file or folder that mlops/azureml/train/data.yml registers)
#      with the new deployment, and the script waits for it;
#   4. the new deployment becomes the endpoint's default;
#   5. the previous default deployment is deleted, only now.
# A failure before step 4 deletes the new deployment and leaves the previous default as it was; the
# script ends with exit code 1 and a summary.
#
# dev deploys a version registered in the dev workspace; prod deploys a version of the Azure ML registry
# (model_registry in config-infra-prod.yml), where promote-model.sh put it: prod never retrains. Names
# come from config-infra-<environment>.yml (batch_endpoint), never from the files, so one set of files
# serves both. --invoke is accepted for the callers of earlier versions: every rollout runs the test job.
#
#   usage: mlops/scripts/deploy-batch-endpoint.sh <dev|prod> [<version>|latest] [--invoke]
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=rollout.sh
source "$(dirname "${BASH_SOURCE[0]}")/rollout.sh"

usage="usage: mlops/scripts/deploy-batch-endpoint.sh <dev|prod> [<version>|latest] [--invoke]"
positional=()
for argument in "$@"; do
  case "$argument" in
    --invoke) ;;
    -*) fail "$usage" ;;
    *) positional+=("$argument") ;;
  esac
done
set -- "${positional[@]}"
[ "$#" -ge 1 ] && [ "$#" -le 2 ] || fail "$usage"
environment=$1
requested=${2:-latest}
data_file="$TRAIN_DIR/data.yml"
check_rollout batch "$environment" "$requested" "$data_file"
input=$(yq -r '.path // ""' "$data_file")
input_type=$(yq -r '.type // "uri_folder"' "$data_file")
[ -n "$input" ] || fail "mlops/azureml/train/data.yml has no path (the sample data of the test job)"
case "$input" in
  azureml:* | http://* | https://* | abfss://* | wasbs://*) ;;
  *) input=$(realpath "$TRAIN_DIR/$input") ;;
esac
deployment_names >/dev/null

rollout_target batch "$environment" "$requested"

deployment_exists() {
  az ml batch-deployment show --name "$1" --endpoint-name "$endpoint" "${scope[@]}" --only-show-errors \
    --output none 2>/dev/null
}

delete_deployment() {
  az ml batch-deployment delete --name "$1" --endpoint-name "$endpoint" --yes "${scope[@]}" \
    --only-show-errors --output none
}

previous=$(az ml batch-endpoint show --name "$endpoint" "${scope[@]}" --query defaults.deployment_name \
  --output tsv --only-show-errors)
new=$(next_deployment "$previous")
echo "Rolling $model out to $endpoint ($environment): new deployment $new, default deployment ${previous:-none}"
if deployment_exists "$new"; then
  log warning "$endpoint/$new is left from an earlier rollout that did not finish: deleting it first"
  delete_deployment "$new"
fi

stage=""
# rollback WHAT: the new deployment failed at stage WHAT: it is deleted, the default stays; exit 1.
rollback() {
  local removed="the new deployment $new was not created"
  log error "rollout of $model to $endpoint/$new failed at $stage: $1"
  if deployment_exists "$new"; then
    if delete_deployment "$new"; then
      removed="the new deployment $new is deleted"
    else
      removed="the new deployment $new could NOT be deleted: run az ml batch-deployment delete --name $new --endpoint-name $endpoint --yes"
    fi
  fi
  summary "Rollout of $model to the batch endpoint $endpoint ($environment) FAILED at $stage: $1."
  summary "Rolled back: ${previous:-no deployment} stays the default; $removed."
  exit 1
}

stage="creating deployment $new"
if ! az ml batch-deployment create --file "$deployment_file" --name "$new" --endpoint-name "$endpoint" \
  --set "model=$model" "${scope[@]}" --only-show-errors --output none; then
  rollback "az ml batch-deployment create failed"
fi

stage="the test job of $new"
if ! job=$(az ml batch-endpoint invoke --name "$endpoint" --deployment-name "$new" --input "$input" \
  --input-type "$input_type" "${scope[@]}" --query name --output tsv --only-show-errors); then
  rollback "az ml batch-endpoint invoke failed"
fi
# wait_for_job ends its shell when the job fails: the subshell keeps this one for the rollback.
(wait_for_job "$job" "${scope[@]}") || rollback "the scoring job $job did not complete"
publish job_name "$job"

stage="making $new the default"
az ml batch-endpoint update --name "$endpoint" --set "defaults.deployment_name=$new" "${scope[@]}" \
  --only-show-errors --output none || rollback "az ml batch-endpoint update failed"

removed="it is the endpoint's first deployment"
if [ -n "$previous" ] && [ "$previous" != "$new" ]; then
  if delete_deployment "$previous"; then
    removed="deleted the previous deployment $previous"
  else
    log warning "the previous deployment $previous could not be deleted; the next rollout deletes it"
    removed="the previous deployment $previous is still there"
  fi
fi
summary "Batch endpoint $endpoint ($environment) scores with $model from $new (test job $job completed); $removed"
summary "Predictions of the test job: az ml job download --name $job --output-name score"
publish model_version "$version"
publish deployment "$new"

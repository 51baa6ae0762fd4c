#!/usr/bin/env bash
# Trains the model in Azure ML: registers the training environment and the data asset
# (mlops/azureml/train/environment.yml and data.yml, when present), submits the training pipeline
# mlops/azureml/train/pipeline.yml to the workspace of config-infra-<environment>.yml and waits for it.
#
# The evaluate step compares the new model with the newest registered version of the model that the
# endpoints serve (the last one that passed this gate), when there is one. The pipeline registers the new
# model only if it is better, and says so in registration.json (its `registration` output), which this
# script reads and hands to the steps after it: registered (true/false), model_name, model_version.
#
#   usage: mlops/scripts/train.sh [dev|prod] [submit|wait|report]     (default dev; CI trains in dev only)
#
# Without a phase it does all three in turn. CI runs them as three steps, so that submitting hands on the
# job's name (job_name) at once and each step signs in afresh:
#   submit   the environment and data assets, then the pipeline; hands on job_name
#   wait     follows the job named by $JOB_NAME to its end, renewing the CI's sign-in meanwhile
#   report   downloads the registration output of $JOB_NAME; hands on registered, model_name, model_version
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

environment=${1:-dev}
phase=${2:-all}
check_environment "$environment"
case "$phase" in
  all | submit | wait | report) ;;
  *) fail "unknown phase '$phase' (submit, wait or report; none for all three)" ;;
esac
use_workspace "$environment"
pipeline="$TRAIN_DIR/pipeline.yml"
[ -f "$pipeline" ] || fail "mlops/azureml/train/pipeline.yml is missing"
model=""
if [ -f "$ONLINE_DIR/online-deployment.yml" ]; then
  model=$(model_name "$ONLINE_DIR/online-deployment.yml")
fi
job=""

submit() {
  local evaluate_component count production overrides=()
  ensure_fresh_login
  # 1. The environment and the data the pipeline takes as @latest. Each call adds a version only when the
  #    definition changed (environment) or always (data), so every run can be traced to what it used.
  if [ -f "$TRAIN_DIR/environment.yml" ]; then
    az ml environment create --file "$TRAIN_DIR/environment.yml" "${scope[@]}" --only-show-errors --output none
  fi
  if [ -f "$TRAIN_DIR/data.yml" ]; then
    az ml data create --file "$TRAIN_DIR/data.yml" "${scope[@]}" --only-show-errors --output none
  fi

  # 2. The model to beat: bound to the evaluate step only when the step takes one and a version exists.
  evaluate_component=$(yq -r '.jobs.evaluate.component // ""' "$pipeline")
  if [ -n "$model" ] && [ -f "$TRAIN_DIR/$evaluate_component" ] &&
    [ -n "$(yq -r '.inputs.production_model.type // ""' "$TRAIN_DIR/$evaluate_component")" ]; then
    count=$(az ml model list --name "$model" "${scope[@]}" --query "length(@)" --output tsv --only-show-errors)
    if [ "${count:-0}" -gt 0 ]; then
      production=$(resolve_version "$model" latest "${scope[@]}")
      echo "The new model has to beat $model:$production"
      overrides+=(
        --set jobs.evaluate.inputs.production_model.type=mlflow_model
        --set "jobs.evaluate.inputs.production_model.path=azureml:$model:$production"
      )
    else
      echo "No version of $model is registered yet: the new model is registered if it trains"
    fi
  fi

  # 3. Submit; the name goes to the next steps at once, so that a later failure still names the job.
  ensure_fresh_login
  job=$(submit_job "$pipeline" "${scope[@]}" "${overrides[@]}")
  summary "Training job $job submitted to $workspace"
  publish job_name "$job"
}

# The job that `submit` started, for the phases that run in later steps.
submitted_job() {
  [ -n "${JOB_NAME:-}" ] || fail "train.sh $phase needs the job's name in JOB_NAME (the job_name of train.sh submit)"
  [[ "$JOB_NAME" =~ ^[A-Za-z0-9_-]+$ ]] || fail "JOB_NAME '$JOB_NAME' is not an Azure ML job name"
  job=$JOB_NAME
}

# 4. What the register step decided.
report() {
  local download registration registered=false name=$model version="" reason
  if [ -n "$(yq -r '.outputs.registration // ""' "$pipeline")" ]; then
    download=$(mktemp -d)
    ensure_fresh_login
    az ml job download --name "$job" --output-name registration --download-path "$download" \
      "${scope[@]}" --only-show-errors
    registration=$(find "$download" -name registration.json -print -quit)
    [ -n "$registration" ] || fail "the pipeline's registration output has no registration.json"
    registered=$(jq -r 'if .registered == true then "true" else "false" end' "$registration")
    name=$(jq -r --arg name "$model" '.name // $name' "$registration")
    version=$(jq -r '.version // "" | tostring' "$registration")
    reason=$(jq -r '.reason // ""' "$registration")
    if [ "$registered" = true ]; then
      summary "Training job $job registered $name version $version. $reason"
    else
      summary "Training job $job did not register a new model: $reason"
    fi
  else
    log warning "mlops/azureml/train/pipeline.yml has no registration output: nothing is deployed"
  fi
  publish registered "$registered"
  publish model_name "$name"
  publish model_version "$version"
}

case "$phase" in
  submit) submit ;;
  wait)
    submitted_job
    wait_for_job "$job" "${scope[@]}"
    ;;
  report)
    submitted_job
    report
    ;;
  all)
    submit
    wait_for_job "$job" "${scope[@]}"
    report
    ;;
esac

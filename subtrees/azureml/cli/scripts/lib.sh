# shellcheck shell=bash
# Helpers of the Azure ML CLI scripts in this folder; they source it, it is not run on its own.
#
# The scripts need the Azure CLI with its ml extension (installed here when it is missing), yq (v4) and
# jq, which GitHub's and Azure DevOps' hosted Ubuntu images all have, and a signed-in Azure CLI:
# `az login` on a laptop; in CI the workflows sign in with OIDC and the Azure DevOps pipelines through a
# workload identity service connection. Every Azure name comes from config-infra-<environment>.yml.

# Functions whose output a script captures ($(...)) stop there at the first failing command too.
shopt -s inherit_errexit

PROJECT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
AZUREML_DIR="$PROJECT_ROOT/mlops/azureml"
# Where the scripts that source this file find the Azure ML assets.
# shellcheck disable=SC2034
{
  TRAIN_DIR="$AZUREML_DIR/train"
  ONLINE_DIR="$AZUREML_DIR/deploy/online"
  BATCH_DIR="$AZUREML_DIR/deploy/batch"
  MONITOR_DIR="$AZUREML_DIR/monitor"
}
# Job states after which nothing changes any more.
FINAL_JOB_STATES=" Completed Failed Canceled NotResponding "

# log LEVEL MESSAGE: an annotation on GitHub Actions and Azure DevOps, a plain line elsewhere. Always on
# standard error, which both read too, so that it shows from functions whose output is captured.
log() {
  local level=$1
  shift
  if [ -n "${GITHUB_ACTIONS:-}" ]; then
    echo "::${level}::$*" >&2
  elif [ -n "${TF_BUILD:-}" ] && [ "$level" != notice ]; then
    echo "##vso[task.logissue type=${level}]$*" >&2
  else
    echo "${level}: $*" >&2
  fi
}

fail() {
  log error "$*"
  exit 1
}

# summary LINE: a line of the GitHub job summary (printed as well).
summary() {
  echo "$*"
  if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    echo "$*" >>"$GITHUB_STEP_SUMMARY"
  fi
}

# publish NAME VALUE: hand a value to later steps and jobs: a step output on GitHub Actions
# ($GITHUB_OUTPUT), an output variable on Azure DevOps (<step name>.NAME).
publish() {
  if [ -n "${GITHUB_OUTPUT:-}" ]; then
    echo "$1=$2" >>"$GITHUB_OUTPUT"
  fi
  if [ -n "${TF_BUILD:-}" ]; then
    echo "##vso[task.setvariable variable=$1;isoutput=true]$2"
  fi
}

require_tools() {
  local tool
  for tool in az yq jq; do
    command -v "$tool" >/dev/null 2>&1 || fail "$tool is not on PATH"
  done
  if ! az extension show --name ml --only-show-errors >/dev/null 2>&1; then
    az extension add --name ml --yes --only-show-errors
  fi
}

check_environment() {
  case "$1" in
    dev | prod) ;;
    *) fail "unknown environment '$1' (dev or prod)" ;;
  esac
}

check_version() {
  [[ "$1" =~ ^[A-Za-z0-9._-]+$ ]] || fail "'$1' is not a model version (a version such as 3, or latest)"
}

# config_value ENVIRONMENT KEY: one setting of config-infra-<environment>.yml; fails when it is missing.
config_value() {
  local file="$PROJECT_ROOT/config-infra-$1.yml" value
  [ -f "$file" ] || fail "config-infra-$1.yml is missing at the project root"
  value=$(yq -r ".$2 // \"\"" "$file")
  [ -n "$value" ] || fail "config-infra-$1.yml has no $2"
  printf '%s\n' "$value"
}

# model_name FILE: the name of the model an endpoint deployment file serves (its `model:`, for example
# azureml:<name>@latest, azureml:<name>:<version> or azureml://registries/<r>/models/<name>/versions/<v>).
model_name() {
  local reference
  [ -f "$1" ] || fail "${1#"$PROJECT_ROOT"/} is missing"
  reference=$(yq -r '.model // ""' "$1")
  reference=${reference#azureml:}
  case "$reference" in
    //registries/*/models/*)
      reference=${reference#*/models/}
      reference=${reference%%/*}
      ;;
    *)
      reference=${reference%%@*}
      reference=${reference%%:*}
      ;;
  esac
  [ -n "$reference" ] || fail "${1#"$PROJECT_ROOT"/} names no model (model: azureml:<name>@latest)"
  printf '%s\n' "$reference"
}

# model_exists NAME VERSION SCOPE...: whether the model version is registered in the scope
# (--resource-group <rg> --workspace-name <ws>, or --registry-name <registry>).
model_exists() {
  local name=$1 version=$2
  shift 2
  az ml model show --name "$name" --version "$version" --query version --output tsv --only-show-errors "$@" \
    >/dev/null 2>&1
}

# resolve_version NAME VERSION SCOPE...: VERSION itself when the model has it, the newest version
# when VERSION is `latest`; fails when there is no such version.
resolve_version() {
  local name=$1 version=$2 count
  shift 2
  check_version "$version"
  if [ "$version" = latest ]; then
    count=$(az ml model list --name "$name" --query "length(@)" --output tsv --only-show-errors "$@")
    [ "${count:-0}" -gt 0 ] || fail "no version of model $name is registered ($*)"
    version=$(az ml model show --name "$name" --label latest --query version --output tsv --only-show-errors "$@")
  elif ! model_exists "$name" "$version" "$@"; then
    fail "model $name has no version $version ($*)"
  fi
  printf '%s\n' "$version"
}

# submit_job FILE ARGS...: submit an Azure ML job file (az ml job create) and print the job's name.
submit_job() {
  local file=$1
  shift
  [ -f "$file" ] || fail "${file#"$PROJECT_ROOT"/} is missing"
  az ml job create --file "$file" --query name --output tsv --only-show-errors "$@"
}

# wait_for_job NAME SCOPE...: stream the job's logs until it ends; fails unless it completed.
wait_for_job() {
  local job=$1 status url
  shift
  url=$(az ml job show --name "$job" --query services.Studio.endpoint --output tsv --only-show-errors "$@" || true)
  echo "Azure ML job $job: ${url:-see Azure ML studio}"
  # Streaming stops when the job ends, but also when the connection drops: the state decides.
  az ml job stream --name "$job" --only-show-errors "$@" || true
  status=$(az ml job show --name "$job" --query status --output tsv --only-show-errors "$@")
  while [ -n "$status" ] && [[ "$FINAL_JOB_STATES" != *" $status "* ]]; do
    sleep 30
    status=$(az ml job show --name "$job" --query status --output tsv --only-show-errors "$@")
  done
  [ "$status" = Completed ] || fail "Azure ML job $job ended $status: ${url:-see Azure ML studio}"
  echo "Azure ML job $job completed"
}

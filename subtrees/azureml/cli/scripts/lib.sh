# shellcheck shell=bash
# Helpers of the Azure ML CLI scripts in this folder; they source it, it is not run on its own.
#
# The scripts need the Azure CLI with its ml extension (installed here when it is missing), yq (v4), jq and
# curl, which GitHub's and Azure DevOps' hosted Ubuntu images all have, and a signed-in Azure CLI:
# `az login` on a laptop; in CI the workflows sign in with OIDC and the Azure DevOps pipelines through a
# workload identity service connection, and ensure_fresh_login renews that sign-in for jobs that outlive
# it. Every Azure name comes from config-infra-<environment>.yml.

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
# Seconds between two looks at a running job's state.
JOB_POLL_SECONDS=${JOB_POLL_SECONDS:-30}
# Seconds a CI sign-in is used before ensure_fresh_login renews it: less than the 5 minutes GitHub's OIDC
# tokens are valid (Azure DevOps' last about as long), so the Azure CLI always holds a token it can still
# exchange when it needs a new access token.
LOGIN_RENEW_SECONDS=${LOGIN_RENEW_SECONDS:-240}
# The audience Microsoft Entra ID expects in a federated token.
TOKEN_AUDIENCE="api://AzureADTokenExchange"

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
  for tool in az yq jq curl; do
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

# use_workspace ENVIRONMENT: what every script does before it talks to Azure ML: check the environment and
# the tools, move to the project root and set the workspace (workspace_scope).
use_workspace() {
  check_environment "$1"
  require_tools
  cd "$PROJECT_ROOT" || fail "cannot enter $PROJECT_ROOT"
  workspace_scope "$1"
}

# workspace_scope ENVIRONMENT: set resource_group, workspace and scope (the arguments of `az ml` for that
# workspace: --resource-group <group> --workspace-name <workspace>) from config-infra-<environment>.yml.
# shellcheck disable=SC2034
workspace_scope() {
  resource_group=$(config_value "$1" resource_group)
  workspace=$(config_value "$1" aml_workspace)
  scope=(--resource-group "$resource_group" --workspace-name "$workspace")
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

# wait_for_job NAME SCOPE...: stream the job's logs until it ends; fails unless it completed. In CI the
# sign-in is renewed before each look at the job, so a job that runs for hours is followed to its end.
wait_for_job() {
  local job=$1 status url
  shift
  ensure_fresh_login
  url=$(az ml job show --name "$job" --query services.Studio.endpoint --output tsv --only-show-errors "$@" || true)
  echo "Azure ML job $job: ${url:-see Azure ML studio}"
  # Streaming stops when the job ends, but also when the connection drops or the sign-in under it
  # expires (after an hour or more): the state decides.
  az ml job stream --name "$job" --only-show-errors "$@" || true
  ensure_fresh_login
  status=$(az ml job show --name "$job" --query status --output tsv --only-show-errors "$@")
  while [ -n "$status" ] && [[ "$FINAL_JOB_STATES" != *" $status "* ]]; do
    sleep "$JOB_POLL_SECONDS"
    ensure_fresh_login
    status=$(az ml job show --name "$job" --query status --output tsv --only-show-errors "$@")
  done
  [ "$status" = Completed ] || fail "Azure ML job $job ended $status: ${url:-see Azure ML studio}"
  echo "Azure ML job $job completed"
}

# ── Jobs that outlive a sign-in ─────────────────────────────────────────────────────────────────────────
# In CI the Azure CLI signs in with a federated token (OIDC) that is valid for minutes and that the CLI
# cannot renew (Azure/azure-cli#28708). The access tokens it makes from it last an hour or more, but once
# one expires, or a call needs a token for another resource (the workspace storage, for a download), every
# call fails with AADSTS700024 - after the Azure ML job may well have succeeded. ensure_fresh_login asks
# the CI for a new federated token and signs in again with it, at most every LOGIN_RENEW_SECONDS:
#   GitHub Actions   ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN (the job has `permissions: id-token: write`),
#                    AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_SUBSCRIPTION_ID (set by azure-ml-setup)
#   Azure DevOps     SYSTEM_OIDCREQUESTURI and SYSTEM_ACCESSTOKEN (mapped by templates/azure-cli.yml with
#                    renewLogin), AZURESUBSCRIPTION_CLIENT_ID, _TENANT_ID and _SERVICE_CONNECTION_ID
#                    (set by the AzureCLI@2 task)
# Elsewhere (a laptop's `az login`, which renews itself) it does nothing. Call it before each call to
# Azure that may come more than a few minutes after the sign-in, in the shell that makes the call (not
# inside $(...), whose variables the caller never sees).
_last_login=""
_login_subscription=""

# ci_federated_token: a new OIDC token of the CI job for Microsoft Entra ID, printed.
ci_federated_token() {
  local response
  if [ -n "${ACTIONS_ID_TOKEN_REQUEST_URL:-}" ]; then
    # docs.github.com/actions/reference/security/oidc#methods-for-requesting-the-oidc-token
    response=$(curl --fail --silent --show-error --get --max-time 60 \
      --header "Authorization: bearer ${ACTIONS_ID_TOKEN_REQUEST_TOKEN:-}" \
      --data-urlencode "audience=$TOKEN_AUDIENCE" "$ACTIONS_ID_TOKEN_REQUEST_URL") ||
      fail "GitHub gave no new OIDC token: the job needs 'permissions: id-token: write'"
    jq -r '.value // ""' <<<"$response"
  else
    # learn.microsoft.com/rest/api/azure/devops/distributedtask/oidctoken/create
    response=$(curl --fail --silent --show-error --request POST --max-time 60 \
      --header "Authorization: Bearer ${SYSTEM_ACCESSTOKEN:-}" --header "Content-Type: application/json" \
      --data "" "${SYSTEM_OIDCREQUESTURI%/}?api-version=7.1&serviceConnectionId=${AZURESUBSCRIPTION_SERVICE_CONNECTION_ID:-}") ||
      fail "Azure DevOps gave no new OIDC token for the service connection ${AZURESUBSCRIPTION_SERVICE_CONNECTION_ID:-}"
    jq -r '.oidcToken // ""' <<<"$response"
  fi
}

# ensure_fresh_login: renew the CI's sign-in when it is older than LOGIN_RENEW_SECONDS (see above).
ensure_fresh_login() {
  local client tenant token
  if [ -n "${ACTIONS_ID_TOKEN_REQUEST_URL:-}" ]; then
    client=${AZURE_CLIENT_ID:-}
    tenant=${AZURE_TENANT_ID:-}
  elif [ -n "${SYSTEM_OIDCREQUESTURI:-}" ] && [ -n "${SYSTEM_ACCESSTOKEN:-}" ] &&
    [ -n "${AZURESUBSCRIPTION_SERVICE_CONNECTION_ID:-}" ]; then
    client=${AZURESUBSCRIPTION_CLIENT_ID:-}
    tenant=${AZURESUBSCRIPTION_TENANT_ID:-}
  else
    return 0
  fi
  if [ -n "$_last_login" ] && ((SECONDS - _last_login < LOGIN_RENEW_SECONDS)); then
    return 0
  fi
  [ -n "$client" ] && [ -n "$tenant" ] ||
    fail "the sign-in cannot be renewed: the client id or tenant id of the CI identity is not in the environment"
  if [ -z "$_login_subscription" ]; then
    _login_subscription=${AZURE_SUBSCRIPTION_ID:-$(az account show --query id --output tsv --only-show-errors)}
  fi
  token=$(ci_federated_token)
  [ -n "$token" ] || fail "the CI answered without an OIDC token: the sign-in cannot be renewed"
  az login --service-principal --username "$client" --tenant "$tenant" --federated-token "$token" \
    --allow-no-subscriptions --output none --only-show-errors
  az account set --subscription "$_login_subscription" --only-show-errors
  _last_login=$SECONDS
}

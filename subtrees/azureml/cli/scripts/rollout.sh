# shellcheck shell=bash
# The staged rollout that deploy-online-endpoint.sh and deploy-batch-endpoint.sh share: their checks, the
# endpoint and the model version they roll out, the settings of mlops/rollout.yml, the blue/green deployment
# names, the waits between steps and the health figures Azure Monitor keeps for an online deployment.
# Sourced after lib.sh, not run on its own.

ROLLOUT_FILE="$PROJECT_ROOT/mlops/rollout.yml"

# check_rollout KIND ENVIRONMENT REQUESTED FILE...: what both deploy scripts check before anything else, for an
# endpoint of KIND (online or batch): the environment, the version to roll out (such as 3, or latest), the
# tools, and the files they read, each of which must exist: the endpoint and the deployment of KIND under
# mlops/azureml/deploy/KIND/ (endpoint_file, deployment_file) and the FILEs. Then they work from the project
# root.
check_rollout() {
  local kind=$1 file
  endpoint_file="$AZUREML_DIR/deploy/$kind/$kind-endpoint.yml"
  deployment_file="$AZUREML_DIR/deploy/$kind/$kind-deployment.yml"
  check_environment "$2"
  check_version "$3"
  require_tools
  cd "$PROJECT_ROOT" || fail "cannot enter $PROJECT_ROOT"
  for file in "$endpoint_file" "$deployment_file" "${@:4}"; do
    [ -f "$file" ] || fail "${file#"$PROJECT_ROOT"/} is missing"
  done
}

# rollout_target KIND ENVIRONMENT REQUESTED: what both deploy scripts settle before a rollout, in this shell,
# after check_rollout: the workspace (workspace_scope), the endpoint of KIND, named by <KIND>_endpoint of
# config-infra-<environment>.yml and created from endpoint_file when it is missing, and the model to roll
# out (name, version, model): version REQUESTED of the model that deployment_file names, from the dev
# workspace for dev and, for prod, from the Azure ML registry (model_registry), where promote-model.sh put
# it: prod never retrains. (scope is workspace_scope's, lib.sh.)
# shellcheck disable=SC2034,SC2154
rollout_target() {
  local kind=$1 environment=$2 requested=$3 registry
  workspace_scope "$environment"
  endpoint=$(config_value "$environment" "${kind}_endpoint")
  name=$(model_name "$deployment_file")
  if [ "$environment" = prod ]; then
    registry=$(config_value prod model_registry)
    version=$(resolve_version "$name" "$requested" --registry-name "$registry")
    model="azureml://registries/$registry/models/$name/versions/$version"
  else
    version=$(resolve_version "$name" "$requested" "${scope[@]}")
    model="azureml:$name:$version"
  fi
  if az ml "$kind-endpoint" show --name "$endpoint" "${scope[@]}" --only-show-errors --output none 2>/dev/null; then
    echo "Endpoint $endpoint exists"
  else
    az ml "$kind-endpoint" create --file "$endpoint_file" --name "$endpoint" "${scope[@]}" --only-show-errors \
      --output none
  fi
}

# online_settings ENVIRONMENT: "step_seconds smoke_requests mirror_percent mirror_seconds max_error_percent
# max_latency_ms" of ENVIRONMENT in rollout.yml (one read), each a whole number in its range.
online_settings() {
  local path=".online.$1" keys=(step_seconds smoke_requests mirror_percent mirror_seconds max_error_percent max_latency_ms)
  local lowest=(0 1 0 0 0 1) highest=(86400 100 50 86400 100 600000) expression="" text index value
  local -a values
  [ -f "$ROLLOUT_FILE" ] || fail "mlops/rollout.yml is missing"
  for index in "${!keys[@]}"; do
    expression+="${expression:+, }($path.${keys[index]} // \"\")"
  done
  text=$(yq -r "$expression" "$ROLLOUT_FILE")
  mapfile -t values <<<"$text"
  for index in "${!keys[@]}"; do
    value=${values[index]:-}
    if ! [[ "$value" =~ ^[0-9]+$ ]] || [ "$value" -lt "${lowest[index]}" ] || [ "$value" -gt "${highest[index]}" ]; then
      fail "mlops/rollout.yml: ${path#.}.${keys[index]} is '$value', not a whole number from ${lowest[index]} to ${highest[index]}"
    fi
  done
  echo "${values[*]}"
}

# rollout_steps ENVIRONMENT: the traffic steps of the online rollout, one per line: rising percentages,
# the last one 100.
rollout_steps() {
  local path=".online.$1.traffic_steps" steps step previous=0
  steps=$(yq -r "$path // [] | .[]" "$ROLLOUT_FILE")
  for step in $steps; do
    if ! [[ "$step" =~ ^[0-9]+$ ]] || [ "$step" -le "$previous" ] || [ "$step" -gt 100 ]; then
      fail "mlops/rollout.yml: ${path#.} must rise from above 0 to 100 (percent), found '$step'"
    fi
    previous=$step
  done
  [ "$previous" = 100 ] || fail "mlops/rollout.yml: ${path#.} must end with 100"
  printf '%s\n' "$steps"
}

# deployment_names: the two deployment names the rollout alternates between (blue and green).
deployment_names() {
  local names
  [ -f "$ROLLOUT_FILE" ] || fail "mlops/rollout.yml is missing"
  names=$(yq -r '.deployments // [] | .[]' "$ROLLOUT_FILE")
  if [ "$(wc -w <<<"$names")" != 2 ] || [ "$(sort -u <<<"$names" | wc -l)" != 2 ] ||
    grep -qvE '^[a-z][a-z0-9-]{2,31}$' <<<"$names"; then
    fail "mlops/rollout.yml: deployments must be two different names of 3 to 32 lowercase letters, digits or dashes, such as [blue, green]"
  fi
  printf '%s\n' "$names"
}

# next_deployment CURRENT: the deployment name that is not CURRENT (the first name when there is none).
next_deployment() {
  local name
  for name in $(deployment_names); do
    if [ "$name" != "$1" ]; then
      printf '%s\n' "$name"
      return 0
    fi
  done
}

# rollout_wait SECONDS WHY: every wait of a rollout goes through here. A prod rollout (mirroring, then
# traffic steps minutes apart) outlives the federated sign-in of CI: the sign-in is renewed after each wait
# (ensure_fresh_login, lib.sh), in this shell, before the next call to Azure.
rollout_wait() {
  [ "$1" -gt 0 ] || return 0
  echo "Waiting $1 s: $2"
  sleep "$1"
  ensure_fresh_login
}

# utc_now: the current time as Azure Monitor takes it.
utc_now() {
  date -u +%Y-%m-%dT%H:%M:%SZ
}

# deployment_health ENDPOINT_ID DEPLOYMENT SINCE: "<requests> <server errors> <average latency in ms>" of an
# online deployment since SINCE, from the endpoint's Azure Monitor metrics (RequestsPerMinute split by
# statusCodeClass, RequestLatency); the latency is "-" when no request was counted.
deployment_health() {
  local id=$1 deployment=$2 since=$3 until counts latency
  until=$(utc_now)
  counts=$(az monitor metrics list --resource "$id" --metrics RequestsPerMinute --aggregation Total \
    --interval PT1M --start-time "$since" --end-time "$until" \
    --filter "deployment eq '$deployment' and statusCodeClass eq '*'" --output json --only-show-errors) || return 1
  latency=$(az monitor metrics list --resource "$id" --metrics RequestLatency --aggregation Average \
    --interval PT1M --start-time "$since" --end-time "$until" \
    --filter "deployment eq '$deployment'" --output json --only-show-errors) || return 1
  jq -rn --argjson counts "$counts" --argjson latency "$latency" '
    def series($metrics): [$metrics.value[]?.timeseries[]?];
    def class($series): [$series.metadatavalues[]? | select((.name.value | ascii_downcase) == "statuscodeclass") | .value][0];
    (series($counts) | map([.data[]?.total // 0] | add // 0) | add // 0) as $requests
    | (series($counts) | map(select(class(.) == "5xx") | [.data[]?.total // 0] | add // 0) | add // 0) as $errors
    | ([series($latency)[].data[]?.average | numbers]) as $averages
    | "\($requests | floor) \($errors | floor) \(if ($averages | length) > 0 then ($averages | add / length | floor) else "-" end)"
  '
}

#!/usr/bin/env bash
# Rolls a version of the model out to the managed online endpoint of one environment, in stages, with
# the settings of mlops/rollout.yml:
#
#   1. the endpoint (online-endpoint.yml) is created when it is missing;
#   2. the version goes to a new deployment (online-deployment.yml) beside the live one, under the name of
#      `deployments` (blue, green) that serves no traffic, with 0 % of the traffic;
#   3. the sample request (sample-request.json) goes to the new deployment directly, as a smoke test;
#   4. optionally, a share of the live traffic is mirrored to it for a while;
#   5. the traffic moves to it in steps (for example 10, 50, 100 %); after each step a health check:
#      more smoke requests and, once real requests had time to arrive, the new deployment's server errors
#      and latency from Azure Monitor;
#   6. the previous deployment is deleted, only now.
# Any failure sends all the traffic back to the previous deployment, deletes the new one and ends the
# script with exit code 1 and a summary of what happened. On an endpoint that serves nothing yet (the
# first rollout), the new deployment gets all the traffic once its smoke test passes: no request can be
# sent elsewhere, so steps would protect nobody; a failure deletes it and leaves the endpoint empty.
#
# dev deploys a version registered in the dev workspace; prod deploys a version of the Azure ML registry
# (model_registry in config-infra-prod.yml), where promote-model.sh put it: prod never retrains. Names
# come from config-infra-<environment>.yml (online_endpoint), never from the files, so one set of files
# serves both. The deployment collects the model's inputs and outputs (data_collector).
#
#   usage: mlops/scripts/deploy-online-endpoint.sh <dev|prod> [<version>|latest]
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=rollout.sh
source "$(dirname "${BASH_SOURCE[0]}")/rollout.sh"

[ "$#" -ge 1 ] || fail "usage: mlops/scripts/deploy-online-endpoint.sh <dev|prod> [<version>|latest]"
environment=$1
requested=${2:-latest}
request_file="$ONLINE_DIR/sample-request.json"
check_rollout online "$environment" "$requested" "$request_file"

steps_text=$(rollout_steps "$environment")
mapfile -t steps <<<"$steps_text"
settings=$(online_settings "$environment")
read -r step_seconds smoke_requests mirror_percent mirror_seconds max_error_percent max_latency_ms <<<"$settings"
deployment_names >/dev/null

rollout_target online "$environment" "$requested"

# traffic: the endpoint's traffic and mirrored traffic, as a JSON object with the keys traffic and
# mirror_traffic (each a map of deployment names to percentages).
traffic() {
  az ml online-endpoint show --name "$endpoint" "${scope[@]}" --output json --only-show-errors |
    jq -c '{traffic: (.traffic // {}), mirror_traffic: (.mirror_traffic // {})}'
}

# set_traffic SHARES...: route the traffic (for example blue=90 green=10); mirrored traffic stops.
set_traffic() {
  local mirror=()
  [ -n "${new:-}" ] && mirror=(--mirror-traffic "$new=0")
  az ml online-endpoint update --name "$endpoint" --traffic "$*" "${mirror[@]}" "${scope[@]}" \
    --only-show-errors --output none
}

delete_deployment() {
  az ml online-deployment delete --name "$1" --endpoint-name "$endpoint" --yes "${scope[@]}" \
    --only-show-errors --output none
}

deployment_exists() {
  az ml online-deployment show --name "$1" --endpoint-name "$endpoint" "${scope[@]}" --only-show-errors \
    --output none 2>/dev/null
}

state=$(traffic)
# The live deployment serves the largest share of the traffic (none on a new endpoint).
live=$(jq -r '.traffic | to_entries | map(select(.value > 0)) | sort_by(-.value, .key) | .[0].key // ""' <<<"$state")
new=$(next_deployment "$live")
echo "Rolling $model out to $endpoint ($environment): new deployment $new, live deployment ${live:-none}"

# A deployment of that name is what an interrupted earlier rollout left behind: it goes first, after
# every share of the traffic it may still have is back on the live deployment.
if deployment_exists "$new"; then
  log warning "$endpoint/$new is left from an earlier rollout that did not finish: deleting it first"
  if [ -n "$live" ] && jq -e --arg new "$new" '(.traffic[$new] // 0) + (.mirror_traffic[$new] // 0) > 0' \
    <<<"$state" >/dev/null; then
    set_traffic "$live=100 $new=0"
  fi
  delete_deployment "$new"
fi

stage=""
# rollback WHAT: the new deployment failed at stage WHAT: traffic back to the live deployment, the new one
# deleted, a summary; exit 1.
rollback() {
  local what=$1 restored removed
  log error "rollout of $model to $endpoint/$new failed at $stage: $what"
  if ! deployment_exists "$new"; then
    restored=${live:+"all traffic stayed on $live"}
    restored=${restored:-"the endpoint serves nothing, as before"}
    removed="the new deployment $new was not created"
  else
    if [ -z "$live" ]; then
      restored="no traffic is routed: the endpoint had no deployment before"
      set_traffic "$new=0" || true
    elif set_traffic "$live=100 $new=0"; then
      restored="all traffic is back on $live"
    else
      restored="the traffic could NOT be moved back: run az ml online-endpoint update --name $endpoint --traffic \"$live=100 $new=0\" --mirror-traffic \"$new=0\""
    fi
    if delete_deployment "$new"; then
      removed="the new deployment $new is deleted"
    else
      removed="the new deployment $new could NOT be deleted: run az ml online-deployment delete --name $new --endpoint-name $endpoint --yes"
    fi
  fi
  summary "Rollout of $model to the online endpoint $endpoint ($environment) FAILED at $stage: $what."
  summary "Rolled back: $restored; $removed.${live:+ $live still serves the version it served before.}"
  exit 1
}

# smoke_test COUNT: COUNT sample requests straight to the new deployment, each answered with predictions
# (a non-empty JSON list or object).
smoke_test() {
  local attempt response
  for ((attempt = 1; attempt <= $1; attempt++)); do
    if ! response=$(az ml online-endpoint invoke --name "$endpoint" --deployment-name "$new" \
      --request-file "$request_file" "${scope[@]}" --only-show-errors); then
      problem="sample request $attempt of $1 to $new failed"
      return 1
    fi
    if ! jq -e 'if type == "string" then (fromjson? // .) else . end | (type == "array" or type == "object") and length > 0' \
      <<<"$response" >/dev/null 2>&1; then
      problem="$new did not answer sample request $attempt of $1 with predictions: ${response:0:200}"
      return 1
    fi
  done
  echo "Smoke test of $endpoint/$new: $1 of $1 sample requests answered, the last with ${response:0:200}"
}

# health_check SERVED_SECONDS: the smoke test again and, when the new deployment served real or mirrored
# requests for a while, its server errors and latency in Azure Monitor since it first got traffic.
health_check() {
  local figures requests errors latency
  smoke_test "$smoke_requests" || return 1
  [ "$1" -gt 0 ] || return 0
  if ! figures=$(deployment_health "$endpoint_id" "$new" "$serving_since"); then
    problem="Azure Monitor's metrics of $new could not be read"
    return 1
  fi
  read -r requests errors latency <<<"$figures"
  echo "Azure Monitor since $serving_since: $requests requests to $new, $errors server errors, average latency ${latency} ms"
  if [ "$requests" -eq 0 ]; then
    log warning "no request to $new is in Azure Monitor yet: the check relies on the smoke requests"
    return 0
  fi
  if [ $((errors * 100)) -gt $((requests * max_error_percent)) ]; then
    problem="$errors of $requests requests to $new ended in a server error (more than $max_error_percent %)"
    return 1
  fi
  if [ "$latency" != - ] && [ "$latency" -gt "$max_latency_ms" ]; then
    problem="$new answered in $latency ms on average (more than $max_latency_ms ms)"
    return 1
  fi
}

problem=""
stage="creating deployment $new"
if ! az ml online-deployment create --file "$deployment_file" --name "$new" --endpoint-name "$endpoint" \
  --set "model=$model" "${scope[@]}" --only-show-errors --output none; then
  rollback "az ml online-deployment create failed"
fi

stage="the smoke test of $new"
smoke_test "$smoke_requests" || rollback "$problem"

if [ -z "$live" ]; then
  stage="routing all traffic to $new"
  set_traffic "$new=100" || rollback "az ml online-endpoint update failed"
  summary "Online endpoint $endpoint ($environment) serves $model from its first deployment, $new"
  publish model_version "$version"
  publish deployment "$new"
  exit 0
fi

endpoint_id=$(az ml online-endpoint show --name "$endpoint" "${scope[@]}" --query id --output tsv --only-show-errors)
serving_since=$(utc_now)
if [ "$mirror_percent" -gt 0 ]; then
  stage="mirroring $mirror_percent % of the traffic to $new"
  az ml online-endpoint update --name "$endpoint" --mirror-traffic "$new=$mirror_percent" "${scope[@]}" \
    --only-show-errors --output none || rollback "az ml online-endpoint update --mirror-traffic failed"
  rollout_wait "$mirror_seconds" "$new answers a copy of $mirror_percent % of the requests"
  health_check "$mirror_seconds" || rollback "$problem"
fi

for step in "${steps[@]}"; do
  stage="$step % of the traffic on $new"
  set_traffic "$live=$((100 - step)) $new=$step" || rollback "az ml online-endpoint update --traffic failed"
  echo "Traffic of $endpoint: $live $((100 - step)) %, $new $step %"
  rollout_wait "$step_seconds" "$new serves $step % of the requests"
  health_check "$step_seconds" || rollback "$problem"
done

# Only now is the previous deployment no longer needed.
if delete_deployment "$live"; then
  removed="deleted the previous deployment $live"
else
  log warning "the previous deployment $live could not be deleted; the next rollout deletes it"
  removed="the previous deployment $live is still there (no traffic)"
fi
shares=$(
  IFS=,
  echo "${steps[*]}"
)
summary "Online endpoint $endpoint ($environment) serves $model from $new after the traffic steps $shares %; $removed"
publish model_version "$version"
publish deployment "$new"

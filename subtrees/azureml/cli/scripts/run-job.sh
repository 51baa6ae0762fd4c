#!/usr/bin/env bash
# Submits one Azure ML job file (a pipeline or a command job) to the workspace of
# config-infra-<environment>.yml and waits for it; fails unless the job completes. Arguments after the
# file go to `az ml job create` (for example --set inputs.<name>=<value>). The job's name is handed to the
# steps after it as job_name as soon as it is submitted; in CI the sign-in is renewed while the job runs.
#
#   usage: mlops/scripts/run-job.sh <dev|prod> <job file> [az ml job create arguments...]
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ "$#" -ge 2 ] || fail "usage: mlops/scripts/run-job.sh <dev|prod> <job file> [az ml job create arguments...]"
environment=$1
file=$(realpath "$2")
shift 2
use_workspace "$environment"
ensure_fresh_login
job=$(submit_job "$file" "${scope[@]}" "$@")
publish job_name "$job"
wait_for_job "$job" "${scope[@]}"

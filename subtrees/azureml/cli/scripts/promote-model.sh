#!/usr/bin/env bash
# Promotes a model version from the dev workspace to the Azure ML registry (model_registry in
# config-infra-prod.yml), from where prod deploys it: models are trained once, in dev, never in prod.
# The version keeps its name and number in the registry; a version that is there already is left as it
# is. The promoted version is handed to the steps after it as model_version.
#
# The identity that runs it reads the dev workspace and writes to the registry (in CI: the dev identity).
#
#   usage: mlops/scripts/promote-model.sh [<version>|latest]     (default: the newest version in dev)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

requested=${1:-latest}
check_version "$requested"
use_workspace dev
registry=$(config_value prod model_registry)
name=$(model_name "$ONLINE_DIR/online-deployment.yml")
version=$(resolve_version "$name" "$requested" "${scope[@]}")
target="azureml://registries/$registry/models/$name/versions/$version"

if model_exists "$name" "$version" --registry-name "$registry"; then
  echo "$target is in the registry already"
else
  echo "Promoting azureml:$name:$version of $workspace to $target"
  az ml model share --name "$name" --version "$version" \
    --registry-name "$registry" --share-with-name "$name" --share-with-version "$version" \
    "${scope[@]}" --only-show-errors --output none
fi
summary "Promoted $name version $version to the registry $registry"
publish model_name "$name"
publish model_version "$version"

#!/usr/bin/env bash
# Create what Terraform needs to keep the state of one environment, unless it exists already:
# the state resource group, a storage account that accepts Entra ID only (no shared key), and the
# blob container. The signed-in identity then gets the Storage Blob Data Contributor role on the
# account, because Terraform reads and writes the state with its Entra ID token.
#
# Both CI pipelines run it before `terraform init`; run it yourself after `az login`:
#
#   scripts/ensure-state-storage.sh ENVIRONMENT
#       reads the terraform_state_* names and the location from config-infra-ENVIRONMENT.yml
#       at the root of the project
#   scripts/ensure-state-storage.sh LOCATION RESOURCE_GROUP STORAGE_ACCOUNT CONTAINER
#       uses the names given
#
# Needs the Azure CLI and jq, and rights to create role assignments on the storage account (the
# identity that deploys the infrastructure has them, since Terraform assigns roles too).
# Running it again changes nothing.
set -euo pipefail

# Storage Blob Data Contributor, an Azure built-in role.
readonly BLOB_DATA_CONTRIBUTOR=ba92f5b4-2d11-453d-a403-e96b0029c9fe

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
project_dir=$(cd -- "$script_dir/../.." && pwd)

usage() {
  echo "usage: $0 ENVIRONMENT" >&2
  echo "       $0 LOCATION RESOURCE_GROUP STORAGE_ACCOUNT CONTAINER" >&2
  exit 2
}

# The value of a top-level `key: value` line of a config-infra file, without quotes or comment.
setting() {
  local file=$1 key=$2 value
  value=$(sed -n "s/^${key}:[[:space:]]*//p" "$file" | head -n 1)
  value=${value%%#*}
  value=$(printf '%s' "$value" | sed -e 's/[[:space:]]*$//' -e 's/^"\(.*\)"$/\1/' -e "s/^'\(.*\)'$/\1/")
  if [ -z "$value" ]; then
    echo "error: $file has no $key" >&2
    exit 1
  fi
  printf '%s\n' "$value"
}

case "$#" in
  1)
    config="$project_dir/config-infra-$1.yml"
    if [ ! -f "$config" ]; then
      echo "error: $config not found (the environment is dev or prod)" >&2
      exit 1
    fi
    location=$(setting "$config" location)
    resource_group=$(setting "$config" terraform_state_resource_group)
    storage_account=$(setting "$config" terraform_state_storage_account)
    container=$(setting "$config" terraform_state_container)
    ;;
  4)
    location=$1 resource_group=$2 storage_account=$3 container=$4
    ;;
  *)
    usage
    ;;
esac

for tool in az jq; do
  if ! command -v "$tool" >/dev/null; then
    echo "error: $tool is required" >&2
    exit 1
  fi
done

if [ "$(az group exists --name "$resource_group")" != "true" ]; then
  echo "Creating resource group $resource_group in $location"
  az group create --name "$resource_group" --location "$location" \
    --tags purpose=terraform-state --output none
fi

if ! az storage account show --name "$storage_account" --resource-group "$resource_group" --output none 2>/dev/null; then
  echo "Creating storage account $storage_account"
  az storage account create --name "$storage_account" --resource-group "$resource_group" \
    --location "$location" --kind StorageV2 --sku Standard_GRS \
    --allow-shared-key-access false --allow-blob-public-access false \
    --min-tls-version TLS1_2 --https-only true \
    --tags purpose=terraform-state --output none
  # Earlier versions of the state stay recoverable: blob versioning and 30 days of soft delete.
  az storage account blob-service-properties update --account-name "$storage_account" \
    --resource-group "$resource_group" --enable-versioning true \
    --enable-delete-retention true --delete-retention-days 30 \
    --enable-container-delete-retention true --container-delete-retention-days 30 --output none
fi

if ! az storage container-rm show --name "$container" --storage-account "$storage_account" \
  --resource-group "$resource_group" --output none 2>/dev/null; then
  echo "Creating blob container $container"
  az storage container-rm create --name "$container" --storage-account "$storage_account" \
    --resource-group "$resource_group" --output none
fi

# The signed-in identity, from the claims of its own ARM token: this needs no Microsoft Graph
# permission, which a pipeline's service principal usually lacks.
principal_id=$(az account get-access-token --query accessToken --output tsv |
  jq -r -R 'split(".") | .[1] | gsub("-"; "+") | gsub("_"; "/") | @base64d | fromjson | .oid')
if [ "$(az account show --query user.type --output tsv)" = "user" ]; then
  principal_type=User
else
  principal_type=ServicePrincipal
fi
account_id=$(az storage account show --name "$storage_account" --resource-group "$resource_group" \
  --query id --output tsv)
assigned=$(az role assignment list --scope "$account_id" --output tsv --query \
  "length([?principalId=='$principal_id' && ends_with(roleDefinitionId, '$BLOB_DATA_CONTRIBUTOR')])")
if [ "$assigned" = "0" ]; then
  echo "Giving the signed-in identity ($principal_id) Storage Blob Data Contributor on $storage_account"
  az role assignment create --assignee-object-id "$principal_id" --assignee-principal-type "$principal_type" \
    --role "$BLOB_DATA_CONTRIBUTOR" --scope "$account_id" --output none
fi

# A new role assignment takes a few minutes to reach the storage service.
for attempt in $(seq 1 30); do
  if az storage blob list --account-name "$storage_account" --container-name "$container" \
    --auth-mode login --num-results 1 --output none 2>/dev/null; then
    echo "Terraform state storage ready: $storage_account/$container in $resource_group"
    exit 0
  fi
  echo "Waiting for data access to $storage_account/$container (attempt $attempt of 30)"
  sleep 10
done
echo "error: no data access to $storage_account/$container after 5 minutes" >&2
exit 1

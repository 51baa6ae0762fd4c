#!/usr/bin/env bash
# Create the Azure Storage container that holds the Terraform state of one environment, unless it
# exists already. Both CI pipelines run it before `terraform init`; run it yourself after `az login`.
#
#   scripts/create-state-storage.sh LOCATION RESOURCE_GROUP STORAGE_ACCOUNT CONTAINER
#
# The names are the terraform_state_* entries of config-infra-<environment>.yml.
set -euo pipefail

if [ "$#" -ne 4 ]; then
  echo "usage: $0 LOCATION RESOURCE_GROUP STORAGE_ACCOUNT CONTAINER" >&2
  exit 2
fi
location=$1 resource_group=$2 storage_account=$3 container=$4

if [ "$(az group exists --name "$resource_group")" != "true" ]; then
  echo "Creating resource group $resource_group in $location"
  az group create --name "$resource_group" --location "$location" --output none
fi

if ! az storage account show --name "$storage_account" --resource-group "$resource_group" --output none 2>/dev/null; then
  echo "Creating storage account $storage_account"
  az storage account create --name "$storage_account" --resource-group "$resource_group" \
    --location "$location" --sku Standard_LRS --kind StorageV2 --min-tls-version TLS1_2 \
    --allow-blob-public-access false --output none
fi

if ! az storage container-rm show --name "$container" --storage-account "$storage_account" \
  --resource-group "$resource_group" --output none 2>/dev/null; then
  echo "Creating blob container $container"
  az storage container-rm create --name "$container" --storage-account "$storage_account" \
    --resource-group "$resource_group" --output none
fi

echo "Terraform state storage ready: $storage_account/$container in $resource_group"

#!/usr/bin/env bash
# Print the create mode of one environment's Key Vault for main.bicep: "recover" when a vault of that
# name is soft-deleted (deleted with its resource group, for instance, and still within its 90 days
# of retention), else "default". Azure Resource Manager refuses "default" while a soft-deleted vault
# holds the name and "recover" when there is nothing to recover, so the mode is looked up before every
# validation, what-if and deployment; environments/<environment>.bicepparam reads it from
# KEY_VAULT_CREATE_MODE. Both pipelines run it; on a laptop, after `az login`:
#
#   KEY_VAULT_CREATE_MODE=$(bash infrastructure/scripts/key-vault-create-mode.sh dev)
#   export KEY_VAULT_CREATE_MODE
#
# Reads the vault's name from config-infra-<environment>.yml at the root of the project. Needs the
# Azure CLI and yq, and read access to the subscription's deleted vaults (Reader has it). Changes
# nothing in Azure.
set -euo pipefail

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
project_dir=$(cd -- "$script_dir/../.." && pwd)

if [ "$#" -ne 1 ]; then
  echo "usage: $0 ENVIRONMENT" >&2
  exit 2
fi

config="$project_dir/config-infra-$1.yml"
if [ ! -f "$config" ]; then
  echo "error: $config not found (the environment is dev or prod)" >&2
  exit 1
fi

vault=$(yq -r '.key_vault // ""' "$config")
if [ -z "$vault" ]; then
  echo "error: $config has no key_vault" >&2
  exit 1
fi

deleted=$(az keyvault list-deleted --resource-type vault --output tsv \
  --query "[?name=='$vault'].name")
if [ -n "$deleted" ]; then
  echo "Key Vault $vault is soft-deleted: the deployment recovers it" >&2
  echo recover
else
  echo default
fi

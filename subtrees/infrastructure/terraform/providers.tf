# Both providers sign in from the environment: ARM_USE_OIDC, ARM_CLIENT_ID, ARM_TENANT_ID and
# ARM_SUBSCRIPTION_ID (plus ARM_OIDC_TOKEN on Azure DevOps) in CI, an `az login` session with
# ARM_SUBSCRIPTION_ID set on a laptop. No client secret is used anywhere.

provider "azurerm" {
  features {
    key_vault {
      # Recreating an environment: a vault deleted with its resource group stays soft-deleted for
      # 90 days under the same name. Recover it instead of failing, and never purge one on destroy,
      # so that a later apply can bring it back with its secrets.
      recover_soft_deleted_key_vaults = true
      purge_soft_delete_on_destroy    = false
    }
    storage {
      # Manage storage accounts through Azure Resource Manager only. Otherwise azurerm also reads
      # queue and static website settings from the storage service itself, which fails on an account
      # that is private, or that the deploying identity has no data role on. Nothing here needs it.
      data_plane_available = false
    }
  }

  # Shared keys are disabled on every storage account: any data-plane call uses Entra ID.
  storage_use_azuread = true
}

provider "azapi" {}

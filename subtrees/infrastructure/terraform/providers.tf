# Both providers sign in from the environment: ARM_USE_OIDC, ARM_CLIENT_ID, ARM_TENANT_ID and
# ARM_SUBSCRIPTION_ID (plus ARM_OIDC_TOKEN on Azure DevOps) in CI, an `az login` session with
# ARM_SUBSCRIPTION_ID set on a laptop. No client secret is used anywhere.

provider "azurerm" {
  features {
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

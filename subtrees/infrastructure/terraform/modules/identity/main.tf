# The user-assigned identity that the Azure ML workspace and its compute clusters run as, and the
# five roles it needs. Role definitions are Azure built-in roles, referred to by their fixed IDs
# (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles):
#
#   Contributor                               b24988ac-6180-42a0-ab88-20f7382dd24c  resource group
#   Storage Blob Data Contributor             ba92f5b4-2d11-453d-a403-e96b0029c9fe  storage account
#   Storage File Data Privileged Contributor  69566ab7-960f-475b-8e7c-b3118f30c6bd  storage account
#   Key Vault Administrator                   00482a5a-887f-4fb3-b363-3b7fe8e74483  Key Vault
#   AcrPush                                   8311e382-0749-4cb8-b61a-304f252e45ec  container registry
#
# Azure returns role definition IDs with the subscription in front; writing them the same way keeps
# `terraform plan` from replacing the assignments on every run.

data "azurerm_subscription" "current" {}

resource "azurerm_user_assigned_identity" "main" {
  name                = var.managed_identity_name
  location            = var.location
  resource_group_name = var.resource_group_name
  tags                = var.tags
}

resource "azurerm_role_assignment" "resource_group_contributor" {
  scope                            = var.resource_group_id
  role_definition_id               = "${data.azurerm_subscription.current.id}/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c"
  principal_id                     = azurerm_user_assigned_identity.main.principal_id
  principal_type                   = "ServicePrincipal"
  skip_service_principal_aad_check = true
}

resource "azurerm_role_assignment" "storage_blob_data_contributor" {
  scope                            = var.storage_account_id
  role_definition_id               = "${data.azurerm_subscription.current.id}/providers/Microsoft.Authorization/roleDefinitions/ba92f5b4-2d11-453d-a403-e96b0029c9fe"
  principal_id                     = azurerm_user_assigned_identity.main.principal_id
  principal_type                   = "ServicePrincipal"
  skip_service_principal_aad_check = true
}

resource "azurerm_role_assignment" "storage_file_data_privileged_contributor" {
  scope                            = var.storage_account_id
  role_definition_id               = "${data.azurerm_subscription.current.id}/providers/Microsoft.Authorization/roleDefinitions/69566ab7-960f-475b-8e7c-b3118f30c6bd"
  principal_id                     = azurerm_user_assigned_identity.main.principal_id
  principal_type                   = "ServicePrincipal"
  skip_service_principal_aad_check = true
}

resource "azurerm_role_assignment" "key_vault_administrator" {
  scope                            = var.key_vault_id
  role_definition_id               = "${data.azurerm_subscription.current.id}/providers/Microsoft.Authorization/roleDefinitions/00482a5a-887f-4fb3-b363-3b7fe8e74483"
  principal_id                     = azurerm_user_assigned_identity.main.principal_id
  principal_type                   = "ServicePrincipal"
  skip_service_principal_aad_check = true
}

resource "azurerm_role_assignment" "acr_push" {
  scope                            = var.container_registry_id
  role_definition_id               = "${data.azurerm_subscription.current.id}/providers/Microsoft.Authorization/roleDefinitions/8311e382-0749-4cb8-b61a-304f252e45ec"
  principal_id                     = azurerm_user_assigned_identity.main.principal_id
  principal_type                   = "ServicePrincipal"
  skip_service_principal_aad_check = true
}

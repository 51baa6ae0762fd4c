# The user-assigned identity that the Azure ML workspace and its compute clusters run as, and the
# roles it needs: the ones Azure ML lists for a user-assigned workspace identity, each on the one
# resource it is for (https://learn.microsoft.com/azure/machine-learning/how-to-identity-based-service-authentication#user-assigned-managed-identity),
# plus the storage data roles that identity-based datastores need with shared keys off, queue and
# table included for batch endpoints (https://learn.microsoft.com/azure/machine-learning/how-to-disable-local-auth-storage#scenarios-for-role-assignments).
# Contributor on the workspace itself is assigned in modules/workspace, once the workspace exists.
#
#   Contributor                                     b24988ac-6180-42a0-ab88-20f7382dd24c  storage, Key Vault, container registry, Application Insights
#   Storage Blob Data Contributor                   ba92f5b4-2d11-453d-a403-e96b0029c9fe  storage account
#   Storage File Data Privileged Contributor        69566ab7-960f-475b-8e7c-b3118f30c6bd  storage account
#   Storage Queue Data Contributor                  974c5e8b-45b9-4653-ba55-5f855dd0fb88  storage account
#   Storage Table Data Contributor                  0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3  storage account
#   Key Vault Administrator                         00482a5a-887f-4fb3-b363-3b7fe8e74483  Key Vault
#   Azure AI Enterprise Network Connection Approver b556d68e-0be0-4f35-a333-ad7ee1ce17ea  resource group, private networking only:
#     the managed network's private endpoints to the storage account, Key Vault, container registry
#     and registry are approved by the workspace identity (https://learn.microsoft.com/azure/machine-learning/how-to-managed-network)
#
# Azure returns role definition IDs with the subscription in front; writing them the same way keeps
# `terraform plan` from replacing the assignments on every run.

data "azurerm_subscription" "current" {}

locals {
  contributor = "b24988ac-6180-42a0-ab88-20f7382dd24c"
  # Each role assignment of the identity, by name: the resource it is assigned on, and the role
  # definition (the table above).
  roles = merge(
    {
      storage_contributor                      = { scope = var.storage_account_id, role = local.contributor }
      storage_blob_data_contributor            = { scope = var.storage_account_id, role = "ba92f5b4-2d11-453d-a403-e96b0029c9fe" }
      storage_file_data_privileged_contributor = { scope = var.storage_account_id, role = "69566ab7-960f-475b-8e7c-b3118f30c6bd" }
      storage_queue_data_contributor           = { scope = var.storage_account_id, role = "974c5e8b-45b9-4653-ba55-5f855dd0fb88" }
      storage_table_data_contributor           = { scope = var.storage_account_id, role = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3" }
      key_vault_contributor                    = { scope = var.key_vault_id, role = local.contributor }
      key_vault_administrator                  = { scope = var.key_vault_id, role = "00482a5a-887f-4fb3-b363-3b7fe8e74483" }
      container_registry_contributor           = { scope = var.container_registry_id, role = local.contributor }
      application_insights_contributor         = { scope = var.application_insights_id, role = local.contributor }
    },
    var.private_networking ? {
      network_connection_approver = { scope = var.resource_group.id, role = "b556d68e-0be0-4f35-a333-ad7ee1ce17ea" }
    } : {},
  )
}

resource "azurerm_user_assigned_identity" "main" {
  name                = var.managed_identity_name
  location            = var.resource_group.location
  resource_group_name = var.resource_group.name
  tags                = var.resource_group.tags
}

resource "azurerm_role_assignment" "main" {
  for_each = local.roles

  scope                            = each.value.scope
  role_definition_id               = "${data.azurerm_subscription.current.id}/providers/Microsoft.Authorization/roleDefinitions/${each.value.role}"
  principal_id                     = azurerm_user_assigned_identity.main.principal_id
  principal_type                   = "ServicePrincipal"
  skip_service_principal_aad_check = true
}

# The Azure ML workspace. It runs as the user-assigned identity (the identity module gives it its
# roles first) and uses the storage account, Key Vault, container registry and Application Insights
# of the environment. With private networking its public endpoint is closed and images are built
# on the CPU cluster inside the virtual network, since the registry then has no public endpoint.

resource "azurerm_machine_learning_workspace" "main" {
  #checkov:skip=CKV2_AZURE_49:Public access follows the private_networking answer: closed when true, Entra ID-only public endpoint when false.
  #checkov:skip=CKV2_AZURE_50:Public access follows the private_networking answer: closed when true, Entra ID-only public endpoint when false.
  name                = var.workspace_name
  friendly_name       = var.workspace_name
  location            = var.location
  resource_group_name = var.resource_group_name
  tags                = var.tags

  sku_name                = "Basic"
  application_insights_id = var.application_insights_id
  key_vault_id            = var.key_vault_id
  storage_account_id      = var.storage_account_id
  container_registry_id   = var.container_registry_id

  public_network_access_enabled = !var.private_networking
  image_build_compute_name      = var.private_networking ? var.image_build_cluster : null
  v1_legacy_mode_enabled        = false

  identity {
    type         = "UserAssigned"
    identity_ids = [var.identity_id]
  }
  primary_user_assigned_identity = var.identity_id
}

# The storage account accepts no shared key, so the workspace must reach its own datastores
# (workspaceblobstore, workspacefilestore) with its identity rather than with the account key.
# azurerm has no argument for this workspace property (systemDatastoresAuthMode); this sets it on
# the workspace above and creates nothing.
resource "azapi_update_resource" "identity_based_datastores" {
  type        = "Microsoft.MachineLearningServices/workspaces@2025-06-01"
  resource_id = azurerm_machine_learning_workspace.main.id

  body = {
    properties = {
      systemDatastoresAuthMode = "Identity"
    }
  }
}

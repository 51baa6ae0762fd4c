# The Azure ML workspace, created in one step with everything that cannot change afterwards:
#
# - it runs as the user-assigned identity (the identity module gives it its roles first);
# - it reaches its default datastores with that identity instead of the storage account key, which
#   the account refuses: systemDatastoresAuthMode "identity", spelled as Microsoft's page on
#   disabling shared-key access spells it. That page names two orders only, identity mode at
#   creation or switching before keys are disabled, and marks the feature preview
#   (https://learn.microsoft.com/azure/machine-learning/how-to-disable-local-auth-storage).
#   azurerm has no argument for it, hence azapi;
# - with private networking: the managed network in allow-internet-outbound mode, provisioned at
#   creation, with private endpoint outbound rules to the storage account (blob, file, queue, table:
#   jobs, batch endpoints) and, in prod, to the Azure ML registry; public network access closed;
#   images built on the CPU cluster, since the container registry is then private
#   (https://learn.microsoft.com/azure/machine-learning/how-to-managed-network).
#
# The private endpoints to the workspace, Key Vault and container registry are the managed network's
# own required rules: Azure adds them because those resources refuse public traffic.

locals {
  # Rule names are keys of the workspace's outbound rules, not Azure resources.
  storage_outbound_rules = {
    # blob is Spark-enabled: the model monitors run on serverless Spark, which reaches the storage through it
    # (https://learn.microsoft.com/azure/machine-learning/how-to-managed-network#configure-for-serverless-spark-jobs).
    for target in ["blob", "file", "queue", "table"] : "storage-${target}" => {
      type        = "PrivateEndpoint"
      category    = "UserDefined"
      destination = { serviceResourceId = var.storage_account_id, subresourceTarget = target, sparkEnabled = target == "blob" }
    }
  }
  registry_outbound_rule = var.registry_id == null ? {} : {
    registry = {
      type        = "PrivateEndpoint"
      category    = "UserDefined"
      destination = { serviceResourceId = var.registry_id, subresourceTarget = "amlregistry", sparkEnabled = false }
    }
  }
}

resource "azapi_resource" "main" {
  type      = "Microsoft.MachineLearningServices/workspaces@2025-06-01"
  name      = var.workspace_name
  parent_id = var.resource_group.id
  location  = var.resource_group.location
  tags      = var.resource_group.tags

  identity {
    type         = "UserAssigned"
    identity_ids = [var.identity_id]
  }

  body = {
    sku = {
      name = "Basic"
      tier = "Basic"
    }
    properties = {
      friendlyName                = var.workspace_name
      primaryUserAssignedIdentity = var.identity_id
      storageAccount              = var.storage_account_id
      keyVault                    = var.key_vault_id
      containerRegistry           = var.container_registry_id
      applicationInsights         = var.application_insights_id
      systemDatastoresAuthMode    = "identity"
      publicNetworkAccess         = var.private_networking ? "Disabled" : "Enabled"
      imageBuildCompute           = var.private_networking ? var.image_build_cluster : null
      hbiWorkspace                = false
      v1LegacyMode                = false
      managedNetwork = {
        isolationMode = var.private_networking ? "AllowInternetOutbound" : "Disabled"
        outboundRules = var.private_networking ? merge(local.storage_outbound_rules, local.registry_outbound_rule) : {}
      }
      provisionNetworkNow = var.private_networking
    }
  }
}

# Projects generated before the workspace moved to azapi created it with azurerm: adopt that
# workspace instead of replacing it (azapi_resource accepts state moved from azurerm resources).
moved {
  from = azurerm_machine_learning_workspace.main
  to   = azapi_resource.main
}

# Contributor (b24988ac-6180-42a0-ab88-20f7382dd24c) on the workspace, the last of the roles Azure ML
# lists for a user-assigned workspace identity; the workspace has to exist first.
data "azurerm_subscription" "current" {}

resource "azurerm_role_assignment" "workspace_contributor" {
  scope                            = azapi_resource.main.id
  role_definition_id               = "${data.azurerm_subscription.current.id}/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c"
  principal_id                     = var.identity_principal_id
  principal_type                   = "ServicePrincipal"
  skip_service_principal_aad_check = true
}

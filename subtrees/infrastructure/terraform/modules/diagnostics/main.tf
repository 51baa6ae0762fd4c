# Resource logs of the workspace, its Key Vault, its storage account's blob service, its container
# registry and (prod) the Azure ML registry, sent to the environment's Log Analytics workspace.
# "allLogs" is the category group of every resource log a resource offers
# (https://learn.microsoft.com/azure/azure-monitor/essentials/diagnostic-settings#resource-logs);
# the registry's two categories are named, as Azure Monitor lists them
# (https://learn.microsoft.com/azure/azure-monitor/reference/supported-logs/microsoft-machinelearningservices-registries-logs).

locals {
  setting_name = "to-log-analytics"
  # The resources that send every resource log they offer, by name.
  all_logs_targets = {
    workspace          = var.workspace_id
    key_vault          = var.key_vault_id
    storage_blob       = "${var.storage_account_id}/blobServices/default"
    container_registry = var.container_registry_id
  }
}

resource "azurerm_monitor_diagnostic_setting" "all_logs" {
  for_each = local.all_logs_targets

  name                       = local.setting_name
  target_resource_id         = each.value
  log_analytics_workspace_id = var.log_analytics_id

  enabled_log {
    category_group = "allLogs"
  }
}

resource "azurerm_monitor_diagnostic_setting" "registry" {
  count = var.create_registry ? 1 : 0

  name                       = local.setting_name
  target_resource_id         = var.registry_id
  log_analytics_workspace_id = var.log_analytics_id

  enabled_log {
    category = "RegistryAssetReadEvent"
  }

  enabled_log {
    category = "RegistryAssetWriteEvent"
  }
}

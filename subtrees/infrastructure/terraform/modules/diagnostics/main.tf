# Resource logs of the workspace, its Key Vault, its storage account's blob service, its container
# registry and (prod) the Azure ML registry, sent to the environment's Log Analytics workspace.
# "allLogs" is the category group of every resource log a resource offers
# (https://learn.microsoft.com/azure/azure-monitor/essentials/diagnostic-settings#resource-logs);
# the registry's two categories are named, as Azure Monitor lists them
# (https://learn.microsoft.com/azure/azure-monitor/reference/supported-logs/microsoft-machinelearningservices-registries-logs).

locals {
  setting_name = "to-log-analytics"
}

resource "azurerm_monitor_diagnostic_setting" "workspace" {
  name                       = local.setting_name
  target_resource_id         = var.workspace_id
  log_analytics_workspace_id = var.log_analytics_id

  enabled_log {
    category_group = "allLogs"
  }
}

resource "azurerm_monitor_diagnostic_setting" "key_vault" {
  name                       = local.setting_name
  target_resource_id         = var.key_vault_id
  log_analytics_workspace_id = var.log_analytics_id

  enabled_log {
    category_group = "allLogs"
  }
}

resource "azurerm_monitor_diagnostic_setting" "storage_blob" {
  name                       = local.setting_name
  target_resource_id         = "${var.storage_account_id}/blobServices/default"
  log_analytics_workspace_id = var.log_analytics_id

  enabled_log {
    category_group = "allLogs"
  }
}

resource "azurerm_monitor_diagnostic_setting" "container_registry" {
  name                       = local.setting_name
  target_resource_id         = var.container_registry_id
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

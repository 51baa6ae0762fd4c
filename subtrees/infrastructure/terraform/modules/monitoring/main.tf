# Log Analytics workspace and the workspace-based Application Insights component that the Azure ML
# workspace sends its metrics and its online endpoints' logs to.

resource "azurerm_log_analytics_workspace" "main" {
  name                = var.log_analytics_name
  location            = var.resource_group.location
  resource_group_name = var.resource_group.name
  sku                 = "PerGB2018"
  retention_in_days   = var.retention_in_days
  tags                = var.resource_group.tags
}

resource "azurerm_application_insights" "main" {
  name                = var.application_insights_name
  location            = var.resource_group.location
  resource_group_name = var.resource_group.name
  workspace_id        = azurerm_log_analytics_workspace.main.id
  application_type    = "web"
  retention_in_days   = var.retention_in_days
  tags                = var.resource_group.tags
}

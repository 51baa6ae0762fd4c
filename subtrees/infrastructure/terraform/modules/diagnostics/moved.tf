# The addresses these resources had before they were declared with for_each: Terraform moves their
# state to the new addresses instead of destroying and creating them again. Keep the blocks until
# every environment has been applied with them.

moved {
  from = azurerm_monitor_diagnostic_setting.workspace
  to   = azurerm_monitor_diagnostic_setting.all_logs["workspace"]
}

moved {
  from = azurerm_monitor_diagnostic_setting.key_vault
  to   = azurerm_monitor_diagnostic_setting.all_logs["key_vault"]
}

moved {
  from = azurerm_monitor_diagnostic_setting.storage_blob
  to   = azurerm_monitor_diagnostic_setting.all_logs["storage_blob"]
}

moved {
  from = azurerm_monitor_diagnostic_setting.container_registry
  to   = azurerm_monitor_diagnostic_setting.all_logs["container_registry"]
}

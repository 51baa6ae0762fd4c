# The addresses these resources had before they were declared with for_each: Terraform moves their
# state to the new addresses instead of destroying and creating them again. Keep the blocks until
# every environment has been applied with them.

moved {
  from = azurerm_role_assignment.storage_contributor
  to   = azurerm_role_assignment.main["storage_contributor"]
}

moved {
  from = azurerm_role_assignment.storage_blob_data_contributor
  to   = azurerm_role_assignment.main["storage_blob_data_contributor"]
}

moved {
  from = azurerm_role_assignment.storage_file_data_privileged_contributor
  to   = azurerm_role_assignment.main["storage_file_data_privileged_contributor"]
}

moved {
  from = azurerm_role_assignment.storage_queue_data_contributor
  to   = azurerm_role_assignment.main["storage_queue_data_contributor"]
}

moved {
  from = azurerm_role_assignment.storage_table_data_contributor
  to   = azurerm_role_assignment.main["storage_table_data_contributor"]
}

moved {
  from = azurerm_role_assignment.key_vault_contributor
  to   = azurerm_role_assignment.main["key_vault_contributor"]
}

moved {
  from = azurerm_role_assignment.key_vault_administrator
  to   = azurerm_role_assignment.main["key_vault_administrator"]
}

moved {
  from = azurerm_role_assignment.container_registry_contributor
  to   = azurerm_role_assignment.main["container_registry_contributor"]
}

moved {
  from = azurerm_role_assignment.application_insights_contributor
  to   = azurerm_role_assignment.main["application_insights_contributor"]
}

moved {
  from = azurerm_role_assignment.network_connection_approver[0]
  to   = azurerm_role_assignment.main["network_connection_approver"]
}

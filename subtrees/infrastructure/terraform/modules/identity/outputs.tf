output "id" {
  description = "Resource ID of the identity, available once all of its roles are assigned (the workspace checks them when it is created)."
  value       = azurerm_user_assigned_identity.main.id

  depends_on = [
    azurerm_role_assignment.storage_contributor,
    azurerm_role_assignment.storage_blob_data_contributor,
    azurerm_role_assignment.storage_file_data_privileged_contributor,
    azurerm_role_assignment.storage_queue_data_contributor,
    azurerm_role_assignment.storage_table_data_contributor,
    azurerm_role_assignment.key_vault_contributor,
    azurerm_role_assignment.key_vault_administrator,
    azurerm_role_assignment.container_registry_contributor,
    azurerm_role_assignment.application_insights_contributor,
    azurerm_role_assignment.network_connection_approver,
  ]
}

output "client_id" {
  description = "Client (application) ID of the identity."
  value       = azurerm_user_assigned_identity.main.client_id
}

output "principal_id" {
  description = "Object (principal) ID of the identity."
  value       = azurerm_user_assigned_identity.main.principal_id
}

output "id" {
  description = "Resource ID of the identity, available once all of its roles are assigned (the workspace checks them when it is created)."
  value       = azurerm_user_assigned_identity.main.id

  depends_on = [azurerm_role_assignment.main]
}

output "client_id" {
  description = "Client (application) ID of the identity."
  value       = azurerm_user_assigned_identity.main.client_id
}

output "principal_id" {
  description = "Object (principal) ID of the identity."
  value       = azurerm_user_assigned_identity.main.principal_id
}

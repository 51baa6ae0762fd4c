output "id" {
  description = "Resource ID of the workspace, available once its identity holds Contributor on it."
  value       = azapi_resource.main.id

  depends_on = [azurerm_role_assignment.workspace_contributor]
}

output "name" {
  description = "Name of the workspace."
  value       = azapi_resource.main.name
}

output "id" {
  description = "Resource ID of the workspace."
  value       = azurerm_machine_learning_workspace.main.id
}

output "name" {
  description = "Name of the workspace."
  value       = azurerm_machine_learning_workspace.main.name
}

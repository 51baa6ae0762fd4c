output "id" {
  description = "Resource ID of the container registry."
  value       = azurerm_container_registry.main.id
}

output "login_server" {
  description = "Login server of the container registry, e.g. <name>.azurecr.io."
  value       = azurerm_container_registry.main.login_server
}

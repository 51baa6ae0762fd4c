output "id" {
  description = "Resource ID of the registry."
  value       = azapi_resource.main.id
}

output "name" {
  description = "Name of the registry."
  value       = azapi_resource.main.name
}

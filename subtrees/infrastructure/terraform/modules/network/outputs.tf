output "virtual_network_id" {
  description = "Resource ID of the virtual network."
  value       = azurerm_virtual_network.main.id
}

output "training_subnet_id" {
  description = "Resource ID of the training subnet."
  value       = local.subnet_ids[var.training_subnet_name]
}

output "private_endpoint_subnet_id" {
  description = "Resource ID of the private endpoint subnet."
  value       = local.subnet_ids[var.private_endpoint_subnet_name]
}

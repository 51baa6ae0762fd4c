output "virtual_network_id" {
  description = "Resource ID of the virtual network, to peer with the network of self-hosted runners."
  value       = azurerm_virtual_network.main.id
}

output "private_endpoint_subnet_id" {
  description = "Resource ID of the private endpoint subnet."
  value       = local.subnet_ids[var.private_endpoint_subnet_name]
}

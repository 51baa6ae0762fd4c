# The addresses these resources had before they were declared with for_each: Terraform moves their
# state to the new addresses instead of destroying and creating them again. Keep the blocks until
# every environment has been applied with them.

moved {
  from = azurerm_private_dns_zone.azureml_api
  to   = azurerm_private_dns_zone.main["azureml_api"]
}

moved {
  from = azurerm_private_dns_zone.azureml_notebooks
  to   = azurerm_private_dns_zone.main["azureml_notebooks"]
}

moved {
  from = azurerm_private_dns_zone.blob
  to   = azurerm_private_dns_zone.main["blob"]
}

moved {
  from = azurerm_private_dns_zone.file
  to   = azurerm_private_dns_zone.main["file"]
}

moved {
  from = azurerm_private_dns_zone.key_vault
  to   = azurerm_private_dns_zone.main["key_vault"]
}

moved {
  from = azurerm_private_dns_zone.container_registry
  to   = azurerm_private_dns_zone.main["container_registry"]
}

moved {
  from = azurerm_private_dns_zone_virtual_network_link.azureml_api
  to   = azurerm_private_dns_zone_virtual_network_link.main["azureml_api"]
}

moved {
  from = azurerm_private_dns_zone_virtual_network_link.azureml_notebooks
  to   = azurerm_private_dns_zone_virtual_network_link.main["azureml_notebooks"]
}

moved {
  from = azurerm_private_dns_zone_virtual_network_link.blob
  to   = azurerm_private_dns_zone_virtual_network_link.main["blob"]
}

moved {
  from = azurerm_private_dns_zone_virtual_network_link.file
  to   = azurerm_private_dns_zone_virtual_network_link.main["file"]
}

moved {
  from = azurerm_private_dns_zone_virtual_network_link.key_vault
  to   = azurerm_private_dns_zone_virtual_network_link.main["key_vault"]
}

moved {
  from = azurerm_private_dns_zone_virtual_network_link.container_registry
  to   = azurerm_private_dns_zone_virtual_network_link.main["container_registry"]
}

moved {
  from = azurerm_private_endpoint.workspace
  to   = azurerm_private_endpoint.main["workspace"]
}

moved {
  from = azurerm_private_endpoint.storage_blob
  to   = azurerm_private_endpoint.main["storage_blob"]
}

moved {
  from = azurerm_private_endpoint.storage_file
  to   = azurerm_private_endpoint.main["storage_file"]
}

moved {
  from = azurerm_private_endpoint.key_vault
  to   = azurerm_private_endpoint.main["key_vault"]
}

moved {
  from = azurerm_private_endpoint.container_registry
  to   = azurerm_private_endpoint.main["container_registry"]
}

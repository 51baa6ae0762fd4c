# The network through which people and self-hosted runners reach the private services of one
# environment (created only when private_networking is true). Compute, jobs and endpoints do not run
# here: they live in the workspace's managed network (modules/workspace).
#
# - a virtual network with one subnet for the private endpoints (room left in the address space for
#   a subnet of self-hosted runners or a gateway);
# - the private DNS zones that resolve the services' names to their private endpoints, each linked
#   to the virtual network;
# - private endpoints for the workspace (API, studio), the storage account (blob and file: uploads,
#   studio notebooks), the Key Vault and the container registry.

resource "azurerm_virtual_network" "main" {
  name                = var.virtual_network_name
  location            = var.resource_group.location
  resource_group_name = var.resource_group.name
  address_space       = [var.address_space]
  tags                = var.resource_group.tags

  subnet {
    name                              = var.private_endpoint_subnet_name
    address_prefixes                  = [var.private_endpoint_subnet_prefix]
    private_endpoint_network_policies = "Disabled"
    default_outbound_access_enabled   = false
  }
}

locals {
  subnet_ids = { for subnet in azurerm_virtual_network.main.subnet : subnet.name => subnet.id }
}

# ── Private DNS zones, each linked to the virtual network ────────────────────────────────────────
locals {
  dns_zones = {
    azureml_api        = "privatelink.api.azureml.ms"
    azureml_notebooks  = "privatelink.notebooks.azure.net"
    blob               = "privatelink.blob.core.windows.net"
    file               = "privatelink.file.core.windows.net"
    key_vault          = "privatelink.vaultcore.azure.net"
    container_registry = "privatelink.azurecr.io"
  }
}

resource "azurerm_private_dns_zone" "main" {
  for_each = local.dns_zones

  name                = each.value
  resource_group_name = var.resource_group.name
  tags                = var.resource_group.tags
}

# A link is a child of its zone, so every link can carry the virtual network's name.
resource "azurerm_private_dns_zone_virtual_network_link" "main" {
  for_each = local.dns_zones

  name                  = var.virtual_network_name
  resource_group_name   = var.resource_group.name
  private_dns_zone_name = azurerm_private_dns_zone.main[each.key].name
  virtual_network_id    = azurerm_virtual_network.main.id
  registration_enabled  = false
  tags                  = var.resource_group.tags
}

# ── Private endpoints ────────────────────────────────────────────────────────────────────────────
locals {
  # Each endpoint: its name, the resource behind it, the sub-resource it reaches and the DNS zones that resolve it.
  private_endpoints = {
    workspace          = { name = var.private_endpoint_names.workspace, resource_id = var.workspace_id, subresource = "amlworkspace", dns_zones = ["azureml_api", "azureml_notebooks"] }
    storage_blob       = { name = var.private_endpoint_names.storage_blob, resource_id = var.storage_account_id, subresource = "blob", dns_zones = ["blob"] }
    storage_file       = { name = var.private_endpoint_names.storage_file, resource_id = var.storage_account_id, subresource = "file", dns_zones = ["file"] }
    key_vault          = { name = var.private_endpoint_names.key_vault, resource_id = var.key_vault_id, subresource = "vault", dns_zones = ["key_vault"] }
    container_registry = { name = var.private_endpoint_names.container_registry, resource_id = var.container_registry_id, subresource = "registry", dns_zones = ["container_registry"] }
  }
}

resource "azurerm_private_endpoint" "main" {
  for_each = local.private_endpoints

  name                = each.value.name
  location            = var.resource_group.location
  resource_group_name = var.resource_group.name
  subnet_id           = local.subnet_ids[var.private_endpoint_subnet_name]
  tags                = var.resource_group.tags

  private_service_connection {
    name                           = each.value.name
    private_connection_resource_id = each.value.resource_id
    subresource_names              = [each.value.subresource]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "default"
    private_dns_zone_ids = [for zone in each.value.dns_zones : azurerm_private_dns_zone.main[zone].id]
  }
}

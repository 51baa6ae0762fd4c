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
  location            = var.location
  resource_group_name = var.resource_group_name
  address_space       = [var.address_space]
  tags                = var.tags

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
resource "azurerm_private_dns_zone" "azureml_api" {
  name                = "privatelink.api.azureml.ms"
  resource_group_name = var.resource_group_name
  tags                = var.tags
}

resource "azurerm_private_dns_zone" "azureml_notebooks" {
  name                = "privatelink.notebooks.azure.net"
  resource_group_name = var.resource_group_name
  tags                = var.tags
}

resource "azurerm_private_dns_zone" "blob" {
  name                = "privatelink.blob.core.windows.net"
  resource_group_name = var.resource_group_name
  tags                = var.tags
}

resource "azurerm_private_dns_zone" "file" {
  name                = "privatelink.file.core.windows.net"
  resource_group_name = var.resource_group_name
  tags                = var.tags
}

resource "azurerm_private_dns_zone" "key_vault" {
  name                = "privatelink.vaultcore.azure.net"
  resource_group_name = var.resource_group_name
  tags                = var.tags
}

resource "azurerm_private_dns_zone" "container_registry" {
  name                = "privatelink.azurecr.io"
  resource_group_name = var.resource_group_name
  tags                = var.tags
}

# A link is a child of its zone, so every link can carry the virtual network's name.
resource "azurerm_private_dns_zone_virtual_network_link" "azureml_api" {
  name                  = var.virtual_network_name
  resource_group_name   = var.resource_group_name
  private_dns_zone_name = azurerm_private_dns_zone.azureml_api.name
  virtual_network_id    = azurerm_virtual_network.main.id
  registration_enabled  = false
  tags                  = var.tags
}

resource "azurerm_private_dns_zone_virtual_network_link" "azureml_notebooks" {
  name                  = var.virtual_network_name
  resource_group_name   = var.resource_group_name
  private_dns_zone_name = azurerm_private_dns_zone.azureml_notebooks.name
  virtual_network_id    = azurerm_virtual_network.main.id
  registration_enabled  = false
  tags                  = var.tags
}

resource "azurerm_private_dns_zone_virtual_network_link" "blob" {
  name                  = var.virtual_network_name
  resource_group_name   = var.resource_group_name
  private_dns_zone_name = azurerm_private_dns_zone.blob.name
  virtual_network_id    = azurerm_virtual_network.main.id
  registration_enabled  = false
  tags                  = var.tags
}

resource "azurerm_private_dns_zone_virtual_network_link" "file" {
  name                  = var.virtual_network_name
  resource_group_name   = var.resource_group_name
  private_dns_zone_name = azurerm_private_dns_zone.file.name
  virtual_network_id    = azurerm_virtual_network.main.id
  registration_enabled  = false
  tags                  = var.tags
}

resource "azurerm_private_dns_zone_virtual_network_link" "key_vault" {
  name                  = var.virtual_network_name
  resource_group_name   = var.resource_group_name
  private_dns_zone_name = azurerm_private_dns_zone.key_vault.name
  virtual_network_id    = azurerm_virtual_network.main.id
  registration_enabled  = false
  tags                  = var.tags
}

resource "azurerm_private_dns_zone_virtual_network_link" "container_registry" {
  name                  = var.virtual_network_name
  resource_group_name   = var.resource_group_name
  private_dns_zone_name = azurerm_private_dns_zone.container_registry.name
  virtual_network_id    = azurerm_virtual_network.main.id
  registration_enabled  = false
  tags                  = var.tags
}

# ── Private endpoints ────────────────────────────────────────────────────────────────────────────
resource "azurerm_private_endpoint" "workspace" {
  name                = var.private_endpoint_workspace_name
  location            = var.location
  resource_group_name = var.resource_group_name
  subnet_id           = local.subnet_ids[var.private_endpoint_subnet_name]
  tags                = var.tags

  private_service_connection {
    name                           = var.private_endpoint_workspace_name
    private_connection_resource_id = var.workspace_id
    subresource_names              = ["amlworkspace"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name = "default"
    private_dns_zone_ids = [
      azurerm_private_dns_zone.azureml_api.id,
      azurerm_private_dns_zone.azureml_notebooks.id,
    ]
  }
}

resource "azurerm_private_endpoint" "storage_blob" {
  name                = var.private_endpoint_storage_blob_name
  location            = var.location
  resource_group_name = var.resource_group_name
  subnet_id           = local.subnet_ids[var.private_endpoint_subnet_name]
  tags                = var.tags

  private_service_connection {
    name                           = var.private_endpoint_storage_blob_name
    private_connection_resource_id = var.storage_account_id
    subresource_names              = ["blob"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "default"
    private_dns_zone_ids = [azurerm_private_dns_zone.blob.id]
  }
}

resource "azurerm_private_endpoint" "storage_file" {
  name                = var.private_endpoint_storage_file_name
  location            = var.location
  resource_group_name = var.resource_group_name
  subnet_id           = local.subnet_ids[var.private_endpoint_subnet_name]
  tags                = var.tags

  private_service_connection {
    name                           = var.private_endpoint_storage_file_name
    private_connection_resource_id = var.storage_account_id
    subresource_names              = ["file"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "default"
    private_dns_zone_ids = [azurerm_private_dns_zone.file.id]
  }
}

resource "azurerm_private_endpoint" "key_vault" {
  name                = var.private_endpoint_key_vault_name
  location            = var.location
  resource_group_name = var.resource_group_name
  subnet_id           = local.subnet_ids[var.private_endpoint_subnet_name]
  tags                = var.tags

  private_service_connection {
    name                           = var.private_endpoint_key_vault_name
    private_connection_resource_id = var.key_vault_id
    subresource_names              = ["vault"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "default"
    private_dns_zone_ids = [azurerm_private_dns_zone.key_vault.id]
  }
}

resource "azurerm_private_endpoint" "container_registry" {
  name                = var.private_endpoint_container_registry_name
  location            = var.location
  resource_group_name = var.resource_group_name
  subnet_id           = local.subnet_ids[var.private_endpoint_subnet_name]
  tags                = var.tags

  private_service_connection {
    name                           = var.private_endpoint_container_registry_name
    private_connection_resource_id = var.container_registry_id
    subresource_names              = ["registry"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "default"
    private_dns_zone_ids = [azurerm_private_dns_zone.container_registry.id]
  }
}

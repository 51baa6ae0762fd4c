# Default storage account of the Azure ML workspace: Entra ID authorization only (shared keys off),
# HTTPS with TLS 1.2 or later, no anonymous blob access, geo-redundant with infrastructure
# encryption, and 7 days to recover a deleted blob or container.
#
# With private networking the firewall denies every network but two paths: private endpoints (the
# workspace's managed network reaches blob, file, queue and table through its own; people through
# the network module's), and the Azure ML registry as a resource instance, because sharing a model
# from the workspace to the registry is refused by a storage account whose public network access is
# disabled outright (https://learn.microsoft.com/azure/machine-learning/how-to-registry-network-isolation).

data "azurerm_client_config" "current" {}

resource "azurerm_storage_account" "main" {
  #checkov:skip=CKV2_AZURE_1:Microsoft-managed keys with infrastructure encryption; customer-managed keys need a key that the project does not own.
  #checkov:skip=CKV_AZURE_33:Queue logging is a classic storage analytics setting that needs data-plane rights; the diagnostics module sends the blob service's logs to Log Analytics.
  #checkov:skip=CKV_AZURE_59:Public network access stays enabled so that the registry (resource instance rule) can read promoted models; the firewall denies every network when private_networking is true.
  #checkov:skip=CKV_AZURE_35:The firewall denies by default when private_networking is true; without it the account accepts Entra ID only (no shared key).
  #checkov:skip=CKV2_AZURE_33:The workspace's managed network and the network module add the private endpoints when private_networking is true.
  name                = var.storage_account_name
  location            = var.resource_group.location
  resource_group_name = var.resource_group.name
  tags                = var.resource_group.tags

  account_kind             = "StorageV2"
  account_tier             = "Standard"
  account_replication_type = "GRS"
  access_tier              = "Hot"

  shared_access_key_enabled         = false
  default_to_oauth_authentication   = true
  https_traffic_only_enabled        = true
  min_tls_version                   = "TLS1_2"
  allow_nested_items_to_be_public   = false
  cross_tenant_replication_enabled  = false
  infrastructure_encryption_enabled = true
  local_user_enabled                = false
  sftp_enabled                      = false
  public_network_access_enabled     = true

  network_rules {
    default_action = var.private_networking ? "Deny" : "Allow"
    bypass         = ["AzureServices"]

    # Takes effect only while the firewall denies (private networking); kept in both modes so that
    # switching private networking on or off changes nothing but the default action.
    private_link_access {
      endpoint_resource_id = var.registry_id
      endpoint_tenant_id   = data.azurerm_client_config.current.tenant_id
    }
  }

  blob_properties {
    delete_retention_policy {
      days = 7
    }
    container_delete_retention_policy {
      days = 7
    }
  }

  sas_policy {
    expiration_action = "Log"
    expiration_period = "01.00:00:00"
  }
}

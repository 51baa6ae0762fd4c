# Default storage account of the Azure ML workspace: Entra ID authorization only (shared keys off),
# HTTPS with TLS 1.2 or later, no anonymous blob access, and 7 days to recover a deleted blob or
# container. With private networking it is reachable only through its private endpoints.

resource "azurerm_storage_account" "main" {
  #checkov:skip=CKV2_AZURE_1:Microsoft-managed keys with infrastructure encryption; customer-managed keys need a key that the project does not own.
  #checkov:skip=CKV_AZURE_33:No queues are used, and queue logging would need data-plane rights that the deploying identity lacks.
  #checkov:skip=CKV_AZURE_59:Public access follows the private_networking answer: closed when true, Entra ID-only public endpoint when false.
  #checkov:skip=CKV_AZURE_35:Public access follows the private_networking answer: closed when true, Entra ID-only public endpoint when false.
  #checkov:skip=CKV2_AZURE_33:The network module adds the private endpoint when private_networking is true.
  name                = var.storage_account_name
  location            = var.location
  resource_group_name = var.resource_group_name
  tags                = var.tags

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
  public_network_access_enabled     = !var.private_networking

  network_rules {
    default_action = var.private_networking ? "Deny" : "Allow"
    bypass         = ["AzureServices"]
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

# Key Vault of the Azure ML workspace. Access is granted with Azure RBAC (no access policies);
# deleted vaults stay recoverable for 90 days, and purge protection follows the project's answer.

data "azurerm_client_config" "current" {}

resource "azurerm_key_vault" "main" {
  #checkov:skip=CKV_AZURE_109:Public access follows the private_networking answer: closed when true, Entra ID-only public endpoint when false.
  #checkov:skip=CKV_AZURE_189:Public access follows the private_networking answer: closed when true, Entra ID-only public endpoint when false.
  #checkov:skip=CKV2_AZURE_32:The network module adds the private endpoint when private_networking is true.
  name                = var.key_vault_name
  location            = var.location
  resource_group_name = var.resource_group_name
  tenant_id           = data.azurerm_client_config.current.tenant_id
  tags                = var.tags

  sku_name                      = "standard"
  rbac_authorization_enabled    = true
  soft_delete_retention_days    = 90
  purge_protection_enabled      = var.purge_protection
  public_network_access_enabled = !var.private_networking

  network_acls {
    default_action = var.private_networking ? "Deny" : "Allow"
    bypass         = "AzureServices"
  }
}

# Key Vault of the Azure ML workspace. Access is granted with Azure RBAC (no access policies);
# deleted vaults stay recoverable for 90 days, purge protection is off in dev and as answered in prod,
# and a vault found soft-deleted under the same name is recovered (providers.tf, features.key_vault).

data "azurerm_client_config" "current" {}

resource "azurerm_key_vault" "main" {
  #checkov:skip=CKV_AZURE_109:Public access follows the private_networking answer: closed when true, Entra ID-only public endpoint when false.
  #checkov:skip=CKV_AZURE_189:Public access follows the private_networking answer: closed when true, Entra ID-only public endpoint when false.
  #checkov:skip=CKV2_AZURE_32:The network module adds the private endpoint when private_networking is true.
  #checkov:skip=CKV_AZURE_110:Purge protection is off in dev (recreated at will) and follows the key_vault_purge_protection answer in prod.
  #checkov:skip=CKV_AZURE_42:Soft delete is always on (90 days); purge protection is off in dev and follows the answer in prod.
  name                = var.key_vault_name
  location            = var.resource_group.location
  resource_group_name = var.resource_group.name
  tenant_id           = data.azurerm_client_config.current.tenant_id
  tags                = var.resource_group.tags

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

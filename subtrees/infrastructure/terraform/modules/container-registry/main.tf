# Container registry of the Azure ML workspace, for the images of its environments. No admin user:
# the workspace identity pushes and pulls with Entra ID. Premium only with private networking,
# the first tier that takes private endpoints.

resource "azurerm_container_registry" "main" {
  #checkov:skip=CKV_AZURE_139:Public access follows the private_networking answer: closed when true, Entra ID-only public endpoint when false.
  #checkov:skip=CKV_AZURE_233:Zone redundancy needs the Premium tier and a region with availability zones; the images are rebuilt from the environments.
  #checkov:skip=CKV_AZURE_237:Dedicated data endpoints are a Premium feature for firewall rules; with private networking the private endpoint also serves the data endpoint.
  #checkov:skip=CKV_AZURE_164:Content trust (Docker Content Trust) is a Premium feature that Azure is retiring; Azure ML builds and pulls these images itself.
  #checkov:skip=CKV_AZURE_165:Single-region project: geo-replication is a Premium feature for registries serving several regions.
  #checkov:skip=CKV_AZURE_166:Quarantine needs a scanner that releases each image; Azure ML pushes and pulls its environment images directly.
  #checkov:skip=CKV_AZURE_167:Retention of untagged manifests is a Premium feature; Azure ML tags the images it builds.
  name                = var.container_registry_name
  location            = var.resource_group.location
  resource_group_name = var.resource_group.name
  tags                = var.resource_group.tags

  sku                           = var.private_networking ? "Premium" : "Standard"
  admin_enabled                 = false
  anonymous_pull_enabled        = false
  public_network_access_enabled = !var.private_networking
  network_rule_bypass_option    = "AzureServices"
}

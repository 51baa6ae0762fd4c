# The Azure ML registry that models, components and environments are promoted through, from the dev
# workspace to the prod one. azurerm has no resource for registries, so this uses azapi with the
# ARM type directly. The registry keeps its assets in a storage account and a container registry
# that Azure creates and manages for it, in the registry's own region.
#
# Its public endpoint stays open (Entra ID authentication only) even with private networking: a
# private registry would need its own private endpoint in each environment's virtual network.

resource "azapi_resource" "main" {
  type      = "Microsoft.MachineLearningServices/registries@2025-06-01"
  name      = var.registry_name
  parent_id = var.resource_group.id
  location  = var.resource_group.location
  tags      = var.resource_group.tags

  identity {
    type = "SystemAssigned"
  }

  body = {
    properties = {
      publicNetworkAccess = "Enabled"
      regionDetails = [
        {
          location = var.resource_group.location
          acrDetails = [
            {
              systemCreatedAcrAccount = {
                acrAccountSku = "Premium"
              }
            }
          ]
          storageAccountDetails = [
            {
              systemCreatedStorageAccount = {
                storageAccountType       = "Standard_LRS"
                storageAccountHnsEnabled = false
                allowBlobPublicAccess    = false
              }
            }
          ]
        }
      ]
    }
  }
}

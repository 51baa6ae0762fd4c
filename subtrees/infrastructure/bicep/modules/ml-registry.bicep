// The Azure ML registry that carries models (and environments, components) from dev to prod. It is
// shared by both environments and deployed with prod only. Azure creates its own storage account and
// container registry in a managed resource group. It keeps a public endpoint (Entra ID auth) so that
// both environments reach it; add a private endpoint of your own if your network policy requires one.

@description('Azure region of the registry.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the Azure ML registry.')
param registryName string

resource registry 'Microsoft.MachineLearningServices/registries@2025-06-01' = {
  name: registryName
  location: location
  tags: tags
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    publicNetworkAccess: 'Enabled'
    regionDetails: [
      {
        location: location
        storageAccountDetails: [
          {
            systemCreatedStorageAccount: {
              storageAccountType: 'Standard_LRS'
              storageAccountHnsEnabled: false
              allowBlobPublicAccess: false
            }
          }
        ]
        acrDetails: [
          {
            systemCreatedAcrAccount: {
              acrAccountSku: 'Premium'
            }
          }
        ]
      }
    ]
  }
}

output id string = registry.id
output name string = registry.name

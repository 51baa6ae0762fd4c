// The workspace's container registry for environment images: no admin user (Entra ID only); Premium
// when it sits behind private endpoints (only Premium supports them), else Standard; and the
// workspace identity's Contributor role on it, as Azure ML lists it for a user-assigned identity.

@description('Azure region of the registry.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the container registry.')
param containerRegistryName string

@description('Principal (object) id of the workspace identity that pushes and pulls images.')
param managedIdentityPrincipalId string

@description('Premium tier, reached only through private endpoints (managed network, network.bicep).')
param privateNetworking bool

resource containerRegistry 'Microsoft.ContainerRegistry/registries@2025-04-01' = {
  // checkov:skip=CKV_AZURE_139: public access is off with private networking; else Entra ID only (no admin user)
  // checkov:skip=CKV_AZURE_233: zone redundancy needs Premium in a zone region; images rebuild from git
  // checkov:skip=CKV_AZURE_166: quarantine needs a scanner that releases images; Azure ML pulls its own builds
  // checkov:skip=CKV_AZURE_163: image scanning is Defender for Containers, turned on per subscription
  name: containerRegistryName
  location: location
  tags: tags
  sku: {
    name: privateNetworking ? 'Premium' : 'Standard'
  }
  properties: {
    adminUserEnabled: false
    anonymousPullEnabled: false
    dataEndpointEnabled: false
    publicNetworkAccess: privateNetworking ? 'Disabled' : 'Enabled'
    networkRuleBypassOptions: 'AzureServices'
    zoneRedundancy: 'Disabled'
  }
}

// Contributor (b24988ac-6180-42a0-ab88-20f7382dd24c) on the registry.
resource containerRegistryContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(containerRegistry.id, managedIdentityPrincipalId, 'b24988ac-6180-42a0-ab88-20f7382dd24c')
  scope: containerRegistry
  properties: {
    principalId: managedIdentityPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'b24988ac-6180-42a0-ab88-20f7382dd24c')
  }
}

output id string = containerRegistry.id
output name string = containerRegistry.name
output loginServer string = containerRegistry.properties.loginServer

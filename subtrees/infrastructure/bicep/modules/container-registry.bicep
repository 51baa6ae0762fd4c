// The workspace's container registry for environment images: no admin user (Entra ID only); Premium
// when it sits behind a private endpoint (only Premium supports them), else Standard; and the
// workspace identity's AcrPush role on it.

@description('Azure region of the registry.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the container registry.')
param containerRegistryName string

@description('Principal (object) id of the workspace identity that pushes and pulls images.')
param managedIdentityPrincipalId string

@description('Reach the registry only through a private endpoint (see network.bicep).')
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

// AcrPush (8311e382-0749-4cb8-b61a-304f252e45ec) on the registry.
resource acrPush 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(containerRegistry.id, managedIdentityPrincipalId, '8311e382-0749-4cb8-b61a-304f252e45ec')
  scope: containerRegistry
  properties: {
    principalId: managedIdentityPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '8311e382-0749-4cb8-b61a-304f252e45ec')
  }
}

output id string = containerRegistry.id
output name string = containerRegistry.name
output loginServer string = containerRegistry.properties.loginServer

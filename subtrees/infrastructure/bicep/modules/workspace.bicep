// The Azure ML workspace. It runs as the user-assigned identity (identity.bicep), which already holds
// its roles on the storage account, Key Vault and registry when the workspace is created, and reaches
// its default datastores with that identity rather than with storage keys.

@description('Azure region of the workspace.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the Azure ML workspace.')
param workspaceName string

@description('Resource id of the user-assigned identity the workspace runs as.')
param managedIdentityId string

@description('Resource id of the default storage account.')
param storageAccountId string

@description('Resource id of the Key Vault.')
param keyVaultId string

@description('Resource id of the container registry.')
param containerRegistryId string

@description('Resource id of the Application Insights component.')
param applicationInsightsId string

@description('Name of the CPU cluster that builds environment images when the registry is private.')
param cpuClusterName string

@description('Reach the workspace only through its private endpoint (see network.bicep).')
param privateNetworking bool

resource workspace 'Microsoft.MachineLearningServices/workspaces@2025-06-01' = {
  // checkov:skip=CKV_AZURE_243: network.bicep adds the private endpoint when privateNetworking is true
  name: workspaceName
  location: location
  tags: tags
  sku: {
    name: 'Basic'
    tier: 'Basic'
  }
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${managedIdentityId}': {}
    }
  }
  properties: {
    friendlyName: workspaceName
    primaryUserAssignedIdentity: managedIdentityId
    storageAccount: storageAccountId
    keyVault: keyVaultId
    containerRegistry: containerRegistryId
    applicationInsights: applicationInsightsId
    // The storage account refuses shared keys: datastores authenticate with Entra ID.
    systemDatastoresAuthMode: 'identity'
    publicNetworkAccess: privateNetworking ? 'Disabled' : 'Enabled'
    // A registry behind a private endpoint cannot build images itself (ACR Tasks); the cluster does.
    imageBuildCompute: privateNetworking ? cpuClusterName : null
    hbiWorkspace: false
    v1LegacyMode: false
  }
}

output id string = workspace.id
output name string = workspace.name

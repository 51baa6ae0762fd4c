// The Azure ML workspace, created in one step with everything that cannot change afterwards:
//
// - it runs as the user-assigned identity (identity.bicep), which already holds its roles on the
//   storage account, Key Vault, container registry and Application Insights;
// - it reaches its default datastores with that identity instead of the storage account key, which
//   the account refuses: systemDatastoresAuthMode 'identity', spelled as Microsoft's page on disabling
//   shared-key access spells it; the page marks the feature preview
//   (https://learn.microsoft.com/azure/machine-learning/how-to-disable-local-auth-storage);
// - with private networking: the managed network in allow-internet-outbound mode, provisioned at
//   creation, with private endpoint outbound rules to the storage account (blob, file, queue, table:
//   jobs, batch endpoints) and, in prod, to the Azure ML registry; public network access closed;
//   images built on the CPU cluster, since the container registry is then private
//   (https://learn.microsoft.com/azure/machine-learning/how-to-managed-network).
//
// The private endpoints to the workspace, Key Vault and container registry are the managed network's
// own required rules: Azure adds them because those resources refuse public traffic. The identity's
// Contributor role on the workspace is assigned here, once the workspace exists.

@description('Azure region of the workspace.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the Azure ML workspace.')
param workspaceName string

@description('Resource id of the user-assigned identity the workspace runs as.')
param managedIdentityId string

@description('Principal (object) id of that identity, which gets Contributor on the workspace.')
param managedIdentityPrincipalId string

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

@description('Managed network with private endpoint outbound rules, public network access closed.')
param privateNetworking bool

@description('Resource id of the Azure ML registry when this environment creates it (prod), for an outbound rule to it; empty otherwise.')
param registryId string

// Rule names are keys of the outbound rules of the workspace, not Azure resources.
var storageOutboundRules = {
  // Spark-enabled: the model monitors run on serverless Spark, which reaches the storage through this rule
  // (https://learn.microsoft.com/azure/machine-learning/how-to-managed-network#configure-for-serverless-spark-jobs).
  'storage-blob': {
    type: 'PrivateEndpoint'
    category: 'UserDefined'
    destination: {
      serviceResourceId: storageAccountId
      subresourceTarget: 'blob'
      sparkEnabled: true
    }
  }
  'storage-file': {
    type: 'PrivateEndpoint'
    category: 'UserDefined'
    destination: {
      serviceResourceId: storageAccountId
      subresourceTarget: 'file'
      sparkEnabled: false
    }
  }
  'storage-queue': {
    type: 'PrivateEndpoint'
    category: 'UserDefined'
    destination: {
      serviceResourceId: storageAccountId
      subresourceTarget: 'queue'
      sparkEnabled: false
    }
  }
  'storage-table': {
    type: 'PrivateEndpoint'
    category: 'UserDefined'
    destination: {
      serviceResourceId: storageAccountId
      subresourceTarget: 'table'
      sparkEnabled: false
    }
  }
}

var registryOutboundRule = empty(registryId) ? {} : {
  registry: {
    type: 'PrivateEndpoint'
    category: 'UserDefined'
    destination: {
      serviceResourceId: registryId
      subresourceTarget: 'amlregistry'
      sparkEnabled: false
    }
  }
}

resource workspace 'Microsoft.MachineLearningServices/workspaces@2025-06-01' = {
  // checkov:skip=CKV_AZURE_243: the managed network and network.bicep add the private endpoints when privateNetworking is true
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
    systemDatastoresAuthMode: 'identity'
    publicNetworkAccess: privateNetworking ? 'Disabled' : 'Enabled'
    imageBuildCompute: privateNetworking ? cpuClusterName : null
    hbiWorkspace: false
    v1LegacyMode: false
    managedNetwork: {
      isolationMode: privateNetworking ? 'AllowInternetOutbound' : 'Disabled'
      outboundRules: privateNetworking ? union(storageOutboundRules, registryOutboundRule) : {}
    }
    provisionNetworkNow: privateNetworking
  }
}

// Contributor (b24988ac-6180-42a0-ab88-20f7382dd24c) on the workspace, the last of the roles Azure ML
// lists for a user-assigned workspace identity.
resource workspaceContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(workspace.id, managedIdentityPrincipalId, 'b24988ac-6180-42a0-ab88-20f7382dd24c')
  scope: workspace
  properties: {
    principalId: managedIdentityPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'b24988ac-6180-42a0-ab88-20f7382dd24c')
  }
}

output id string = workspace.id
output name string = workspace.name

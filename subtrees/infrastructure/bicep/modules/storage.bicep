// The workspace's default storage account: Entra ID authentication only (no shared keys), TLS 1.2,
// no anonymous blob access, geo-redundant with infrastructure encryption, blob and container soft
// delete; and the workspace identity's roles on it: Contributor, and the data roles identity-based
// datastores need with shared keys off, queue and table included for batch endpoints
// (https://learn.microsoft.com/azure/machine-learning/how-to-disable-local-auth-storage#scenarios-for-role-assignments).
//
// With private networking the firewall denies every network but two paths: private endpoints (the
// managed network of the workspace reaches blob, file, queue and table through its own; people
// through network.bicep's), and the Azure ML registry as a resource instance, because sharing a model
// from the workspace to the registry is refused by a storage account whose public network access is
// disabled outright (https://learn.microsoft.com/azure/machine-learning/how-to-registry-network-isolation).

@description('Azure region of the storage account.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the storage account.')
param storageAccountName string

@description('Principal (object) id of the workspace identity that gets data access.')
param managedIdentityPrincipalId string

@description('Deny every network but the private endpoints and the Azure ML registry.')
param privateNetworking bool

@description('Resource id of the Azure ML registry, allowed through the firewall to copy promoted models.')
param registryId string

@description('Days deleted blobs and containers can be restored.')
@minValue(1)
@maxValue(365)
param softDeleteRetentionDays int = 7

// Built-in roles of the workspace identity on the account.
var roleDefinitionIds = [
  'b24988ac-6180-42a0-ab88-20f7382dd24c' // Contributor
  'ba92f5b4-2d11-453d-a403-e96b0029c9fe' // Storage Blob Data Contributor
  '69566ab7-960f-475b-8e7c-b3118f30c6bd' // Storage File Data Privileged Contributor
  '974c5e8b-45b9-4653-ba55-5f855dd0fb88' // Storage Queue Data Contributor
  '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3' // Storage Table Data Contributor
]

resource storageAccount 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  // checkov:skip=CKV_AZURE_35: the firewall denies by default with private networking; else Entra ID only (no shared keys)
  // checkov:skip=CKV_AZURE_59: public network access stays enabled for the registry (resource instance rule); the firewall denies every network with private networking
  // checkov:skip=CKV_AZURE_43: the name is a parameter, checked against Azure's naming rules at the prompt
  name: storageAccountName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_GRS'
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    isHnsEnabled: false
    isLocalUserEnabled: false
    isSftpEnabled: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: privateNetworking ? 'Deny' : 'Allow'
      // Takes effect only while the firewall denies (private networking); kept in both modes so that
      // switching private networking on or off changes nothing but the default action.
      resourceAccessRules: [
        {
          resourceId: registryId
          tenantId: subscription().tenantId
        }
      ]
    }
    sasPolicy: {
      expirationAction: 'Log'
      sasExpirationPeriod: '01.00:00:00'
    }
    encryption: {
      keySource: 'Microsoft.Storage'
      requireInfrastructureEncryption: true
      services: {
        blob: {
          enabled: true
          keyType: 'Account'
        }
        file: {
          enabled: true
          keyType: 'Account'
        }
      }
    }
  }
}

resource blobServices 'Microsoft.Storage/storageAccounts/blobServices@2025-01-01' = {
  parent: storageAccount
  name: 'default'
  properties: {
    deleteRetentionPolicy: {
      enabled: true
      days: softDeleteRetentionDays
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: softDeleteRetentionDays
    }
  }
}

resource workspaceIdentityRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for roleDefinitionId in roleDefinitionIds: {
  name: guid(storageAccount.id, managedIdentityPrincipalId, roleDefinitionId)
  scope: storageAccount
  properties: {
    principalId: managedIdentityPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionId)
  }
}]

output id string = storageAccount.id
output name string = storageAccount.name

// The workspace's Key Vault: Azure RBAC instead of access policies, soft delete for 90 days, purge
// protection as answered; and the workspace identity's Key Vault Administrator role on it.

@description('Azure region of the Key Vault.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the Key Vault.')
param keyVaultName string

@description('Principal (object) id of the workspace identity that administers the vault.')
param managedIdentityPrincipalId string

@description('Turn on purge protection (it cannot be turned off again).')
param keyVaultPurgeProtection bool

@description('Disabled: reach the vault only through its private endpoint (see network.bicep).')
@allowed([
  'Enabled'
  'Disabled'
])
param publicNetworkAccess string

resource keyVault 'Microsoft.KeyVault/vaults@2024-11-01' = {
  // checkov:skip=CKV_AZURE_189: public access is off with private networking; else Entra ID RBAC only
  // checkov:skip=CKV_AZURE_109: rules deny by default with private networking; else Entra ID RBAC only
  // checkov:skip=CKV_AZURE_110: purge protection follows the key_vault_purge_protection answer (default on)
  // checkov:skip=CKV_AZURE_42: soft delete is always on; purge protection follows the answer (default on)
  name: keyVaultName
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    // ARM refuses enablePurgeProtection: false; leaving it out means off.
    enablePurgeProtection: keyVaultPurgeProtection ? true : null
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    publicNetworkAccess: publicNetworkAccess
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: publicNetworkAccess == 'Disabled' ? 'Deny' : 'Allow'
    }
  }
}

// Key Vault Administrator (00482a5a-887f-4fb3-b363-3b7fe8e74483) on the vault.
resource keyVaultAdministrator 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(keyVault.id, managedIdentityPrincipalId, '00482a5a-887f-4fb3-b363-3b7fe8e74483')
  scope: keyVault
  properties: {
    principalId: managedIdentityPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '00482a5a-887f-4fb3-b363-3b7fe8e74483')
  }
}

output id string = keyVault.id
output name string = keyVault.name
output uri string = keyVault.properties.vaultUri

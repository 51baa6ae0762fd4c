// The workspace's Key Vault: Azure RBAC instead of access policies, soft delete for 90 days, purge
// protection off in dev and as answered in prod; and the workspace identity's roles on it,
// Contributor and Key Vault Administrator. A vault deleted with its resource group stays soft-deleted
// for 90 days under the same name: keyVaultCreateMode 'recover' brings it back. ARM fails 'recover'
// when nothing is deleted and 'default' when something is, so the environment file takes the mode
// from KEY_VAULT_CREATE_MODE, which scripts/key-vault-create-mode.sh sets before each deployment.

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

@description('recover: bring back the soft-deleted vault of the same name; default: create (or update) it.')
@allowed([
  'default'
  'recover'
])
param keyVaultCreateMode string = 'default'

@description('Disabled: reach the vault only through private endpoints (managed network, network.bicep).')
@allowed([
  'Enabled'
  'Disabled'
])
param publicNetworkAccess string

resource keyVault 'Microsoft.KeyVault/vaults@2024-11-01' = {
  // checkov:skip=CKV_AZURE_189: public access is off with private networking; else Entra ID RBAC only
  // checkov:skip=CKV_AZURE_109: rules deny by default with private networking; else Entra ID RBAC only
  // checkov:skip=CKV_AZURE_110: purge protection is off in dev (recreated at will) and follows the key_vault_purge_protection answer in prod
  // checkov:skip=CKV_AZURE_42: soft delete is always on; purge protection is off in dev and follows the answer in prod
  name: keyVaultName
  location: location
  tags: tags
  properties: {
    createMode: keyVaultCreateMode
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

// Contributor (b24988ac-6180-42a0-ab88-20f7382dd24c) and Key Vault Administrator
// (00482a5a-887f-4fb3-b363-3b7fe8e74483) on the vault.
var roleDefinitionIds = [
  'b24988ac-6180-42a0-ab88-20f7382dd24c'
  '00482a5a-887f-4fb3-b363-3b7fe8e74483'
]

resource workspaceIdentityRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for roleDefinitionId in roleDefinitionIds: {
  name: guid(keyVault.id, managedIdentityPrincipalId, roleDefinitionId)
  scope: keyVault
  properties: {
    principalId: managedIdentityPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionId)
  }
}]

output id string = keyVault.id
output name string = keyVault.name
output uri string = keyVault.properties.vaultUri

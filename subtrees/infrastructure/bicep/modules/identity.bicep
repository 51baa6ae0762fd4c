// The user-assigned managed identity the Azure ML workspace and its compute clusters run as. Its roles
// are the ones Azure ML lists for a user-assigned workspace identity, each assigned next to the one
// resource it is for (storage.bicep, key-vault.bicep, container-registry.bicep, monitoring.bicep,
// workspace.bicep; https://learn.microsoft.com/azure/machine-learning/how-to-identity-based-service-authentication#user-assigned-managed-identity).
// With private networking it also approves the private endpoints of the workspace's managed network
// to the resources of this resource group (https://learn.microsoft.com/azure/machine-learning/how-to-managed-network).

@description('Azure region of the identity.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the user-assigned managed identity.')
param managedIdentityName string

@description('Let the identity approve the private endpoints of the managed network of the workspace.')
param privateNetworking bool

resource managedIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: managedIdentityName
  location: location
  tags: tags
}

// Azure AI Enterprise Network Connection Approver (b556d68e-0be0-4f35-a333-ad7ee1ce17ea) on the resource group.
resource networkConnectionApprover 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (privateNetworking) {
  name: guid(resourceGroup().id, managedIdentity.id, 'b556d68e-0be0-4f35-a333-ad7ee1ce17ea')
  properties: {
    principalId: managedIdentity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'b556d68e-0be0-4f35-a333-ad7ee1ce17ea')
  }
}

output id string = managedIdentity.id
output name string = managedIdentity.name
output clientId string = managedIdentity.properties.clientId
output principalId string = managedIdentity.properties.principalId

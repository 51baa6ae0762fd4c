// The Azure resources of one environment (dev or prod) of this MLOps project. Deployed at subscription
// scope so that it creates the resource group itself; everything else is a module deployed into it.
// Every name arrives as a parameter from environments/<env>.bicepparam (generated from the project's
// answers): nothing here puts a name together.
//
//   az deployment sub what-if --location <region> --parameters environments/dev.bicepparam
//   az deployment sub create  --location <region> --parameters environments/dev.bicepparam

targetScope = 'subscription'

// --- Environment ---------------------------------------------------------------------------------
@description('Azure region of every resource of the environment, e.g. westeurope.')
param location string

@description('Environment that this deployment builds.')
@allowed([
  'dev'
  'prod'
])
param environment string

@description('Tags applied to every resource, besides environment and managed_by.')
param tags object = {}

// --- Names (from the answers, one parameter per resource) ---------------------------------------
@description('Name of the resource group that holds every resource of the environment.')
param resourceGroupName string

@description('Name of the Log Analytics workspace.')
param logAnalyticsName string

@description('Name of the Application Insights component.')
param applicationInsightsName string

@description('Name of the storage account (3-24 lowercase letters and digits, globally unique).')
param storageAccountName string

@description('Name of the Key Vault (3-24 characters, globally unique).')
param keyVaultName string

@description('Name of the container registry (5-50 letters and digits, globally unique).')
param containerRegistryName string

@description('Name of the user-assigned managed identity the workspace and its clusters run as.')
param managedIdentityName string

@description('Name of the Azure ML workspace.')
param workspaceName string

@description('Name of the CPU compute cluster.')
param cpuClusterName string

@description('Name of the GPU compute cluster.')
param gpuClusterName string

@description('Name of the Azure ML registry shared by dev and prod.')
param registryName string

@description('Name of the virtual network (private networking only).')
param virtualNetworkName string

@description('Name of the subnet of the compute clusters (private networking only).')
param trainingSubnetName string

@description('Name of the subnet of the private endpoints (private networking only).')
param privateEndpointSubnetName string

@description('Names of the private endpoints: workspace, storageBlob, storageFile, keyVault, containerRegistry.')
param privateEndpointNames object

// --- Choices ---------------------------------------------------------------------------------------
@description('Create the GPU cluster (computer vision and NLP projects).')
param enableGpuCluster bool

@description('Create the Azure ML registry: true in prod only, where the shared registry lives.')
param createRegistry bool

@description('Turn on Key Vault purge protection.')
param keyVaultPurgeProtection bool

@description('Reach the workspace, storage, Key Vault and registry only through private endpoints.')
param privateNetworking bool

var allTags = union(tags, {
  environment: environment
  managed_by: 'bicep'
})

resource mainResourceGroup 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: resourceGroupName
  location: location
  tags: allTags
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: mainResourceGroup
  params: {
    location: location
    tags: allTags
    logAnalyticsName: logAnalyticsName
    applicationInsightsName: applicationInsightsName
  }
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: mainResourceGroup
  params: {
    location: location
    tags: allTags
    managedIdentityName: managedIdentityName
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: mainResourceGroup
  params: {
    location: location
    tags: allTags
    storageAccountName: storageAccountName
    managedIdentityPrincipalId: identity.outputs.principalId
    privateNetworking: privateNetworking
  }
}

module keyVault 'modules/key-vault.bicep' = {
  name: 'key-vault'
  scope: mainResourceGroup
  params: {
    location: location
    tags: allTags
    keyVaultName: keyVaultName
    managedIdentityPrincipalId: identity.outputs.principalId
    keyVaultPurgeProtection: keyVaultPurgeProtection
    publicNetworkAccess: privateNetworking ? 'Disabled' : 'Enabled'
  }
}

module containerRegistry 'modules/container-registry.bicep' = {
  name: 'container-registry'
  scope: mainResourceGroup
  params: {
    location: location
    tags: allTags
    containerRegistryName: containerRegistryName
    managedIdentityPrincipalId: identity.outputs.principalId
    privateNetworking: privateNetworking
  }
}

// Waits for the modules above, role assignments included: the identity needs its roles before the
// workspace is created with it.
module workspace 'modules/workspace.bicep' = {
  name: 'workspace'
  scope: mainResourceGroup
  params: {
    location: location
    tags: allTags
    workspaceName: workspaceName
    managedIdentityId: identity.outputs.id
    storageAccountId: storage.outputs.id
    keyVaultId: keyVault.outputs.id
    containerRegistryId: containerRegistry.outputs.id
    applicationInsightsId: monitoring.outputs.applicationInsightsId
    cpuClusterName: cpuClusterName
    privateNetworking: privateNetworking
  }
}

module network 'modules/network.bicep' = if (privateNetworking) {
  name: 'network'
  scope: mainResourceGroup
  params: {
    location: location
    tags: allTags
    virtualNetworkName: virtualNetworkName
    trainingSubnetName: trainingSubnetName
    privateEndpointSubnetName: privateEndpointSubnetName
    privateEndpointNames: privateEndpointNames
    workspaceId: workspace.outputs.id
    storageAccountId: storage.outputs.id
    keyVaultId: keyVault.outputs.id
    containerRegistryId: containerRegistry.outputs.id
  }
}

// With private networking the clusters join the training subnet, after the workspace's private
// endpoint exists.
module compute 'modules/compute.bicep' = {
  name: 'compute'
  scope: mainResourceGroup
  params: {
    location: location
    tags: allTags
    workspaceName: workspace.outputs.name
    cpuClusterName: cpuClusterName
    gpuClusterName: gpuClusterName
    enableGpuCluster: enableGpuCluster
    managedIdentityId: identity.outputs.id
    privateNetworking: privateNetworking
    virtualNetworkName: virtualNetworkName
    trainingSubnetName: trainingSubnetName
  }
  dependsOn: [
    network
  ]
}

module mlRegistry 'modules/ml-registry.bicep' = if (createRegistry) {
  name: 'ml-registry'
  scope: mainResourceGroup
  params: {
    location: location
    tags: allTags
    registryName: registryName
  }
}

output resourceGroupName string = mainResourceGroup.name
output workspaceName string = workspace.outputs.name
output workspaceId string = workspace.outputs.id
output managedIdentityClientId string = identity.outputs.clientId
output managedIdentityPrincipalId string = identity.outputs.principalId
output storageAccountName string = storage.outputs.name
output keyVaultUri string = keyVault.outputs.uri
output containerRegistryLoginServer string = containerRegistry.outputs.loginServer
output cpuClusterName string = compute.outputs.cpuClusterName
output gpuClusterName string = compute.outputs.gpuClusterName
output registryName string = createRegistry ? registryName : ''
output applicationInsightsName string = monitoring.outputs.applicationInsightsName

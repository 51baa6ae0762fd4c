// The Azure resources of one environment (dev or prod) of this MLOps project. Deployed at subscription
// scope so that it creates the resource group itself; everything else is a module deployed into it.
// Every name arrives as a parameter from environments/<env>.bicepparam (generated from the project's
// answers): nothing here puts a name together.
//
//   export KEY_VAULT_CREATE_MODE=$(bash scripts/key-vault-create-mode.sh dev)
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

@description('Resource group of the Azure ML registry: the one of prod, in both environments.')
param registryResourceGroupName string

@description('Subscription of the Azure ML registry (that of prod); by default the one this environment is deployed to.')
param registrySubscriptionId string = subscription().subscriptionId

@description('Name of the action group that e-mails alertEmail (created only when alertEmail is set).')
param actionGroupName string

@description('Short name of the action group, shown in its e-mails (at most 12 characters).')
@maxLength(12)
param actionGroupShortName string

@description('Name of the alert rule on the failed runs of the Azure ML workspace.')
param failedRunsAlertName string

@description('Name of the virtual network through which people reach the private services (private networking only).')
param virtualNetworkName string

@description('Name of the subnet of the private endpoints (private networking only).')
param privateEndpointSubnetName string

@description('Names of the private endpoints: workspace, storageBlob, storageFile, keyVault, containerRegistry.')
param privateEndpointNames object

// --- Choices ---------------------------------------------------------------------------------------
@description('Create the GPU cluster: computer vision and NLP projects, in dev only (prod never trains).')
param enableGpuCluster bool

@description('Create the Azure ML registry: true in prod only, where the shared registry lives.')
param createRegistry bool

@description('Turn on Key Vault purge protection: off in dev, as answered in prod; once on, it cannot be turned off.')
param keyVaultPurgeProtection bool

@description('recover when a soft-deleted vault of the same name exists (scripts/key-vault-create-mode.sh), else default.')
@allowed([
  'default'
  'recover'
])
param keyVaultCreateMode string = 'default'

@description('Managed network for compute and endpoints, closed public endpoints, private endpoints for people.')
param privateNetworking bool

// --- Alerts -----------------------------------------------------------------------------------------------
@description('E-mail address that gets the alerts of the environment (the alert_email answer); empty: no action group.')
param alertEmail string = ''

var allTags = union(tags, {
  environment: environment
  managed_by: 'bicep'
})

// The registry lives in prod's resource group whichever environment this is: dev needs its id before
// prod has created it (its storage lets the registry copy promoted models).
var registryId = resourceId(registrySubscriptionId, registryResourceGroupName, 'Microsoft.MachineLearningServices/registries', registryName)

resource mainResourceGroup 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: resourceGroupName
  location: location
  tags: allTags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: mainResourceGroup
  params: {
    location: location
    tags: allTags
    managedIdentityName: managedIdentityName
    privateNetworking: privateNetworking
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: mainResourceGroup
  params: {
    location: location
    tags: allTags
    logAnalyticsName: logAnalyticsName
    applicationInsightsName: applicationInsightsName
    managedIdentityPrincipalId: identity.outputs.principalId
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
    registryId: registryId
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
    keyVaultCreateMode: keyVaultCreateMode
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

// The registry through which models move from dev to prod, created with prod before prod's workspace
// (whose managed network gets a private endpoint to it).
module mlRegistry 'modules/ml-registry.bicep' = if (createRegistry) {
  name: 'ml-registry'
  scope: mainResourceGroup
  params: {
    location: location
    tags: allTags
    registryName: registryName
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
    managedIdentityPrincipalId: identity.outputs.principalId
    storageAccountId: storage.outputs.id
    keyVaultId: keyVault.outputs.id
    containerRegistryId: containerRegistry.outputs.id
    applicationInsightsId: monitoring.outputs.applicationInsightsId
    cpuClusterName: cpuClusterName
    privateNetworking: privateNetworking
    registryId: createRegistry ? registryId : ''
  }
  dependsOn: [
    mlRegistry
  ]
}

// The clusters live in the managed network of the workspace (with private networking), which is
// provisioned with the workspace: they wait for the workspace module only.
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
  }
}

module diagnostics 'modules/diagnostics.bicep' = {
  name: 'diagnostics'
  scope: mainResourceGroup
  params: {
    logAnalyticsId: monitoring.outputs.logAnalyticsId
    workspaceName: workspace.outputs.name
    keyVaultName: keyVault.outputs.name
    storageAccountName: storage.outputs.name
    containerRegistryName: containerRegistry.outputs.name
    createRegistry: createRegistry
    registryName: registryName
  }
  dependsOn: [
    mlRegistry
  ]
}

// E-mails alertEmail (when the project has one) when runs of the workspace fail, model monitor runs that
// breach a threshold among them.
module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  scope: mainResourceGroup
  params: {
    tags: allTags
    workspaceId: workspace.outputs.id
    alertEmail: alertEmail
    actionGroupName: actionGroupName
    actionGroupShortName: actionGroupShortName
    failedRunsAlertName: failedRunsAlertName
  }
}

module network 'modules/network.bicep' = if (privateNetworking) {
  name: 'network'
  scope: mainResourceGroup
  params: {
    location: location
    tags: allTags
    virtualNetworkName: virtualNetworkName
    privateEndpointSubnetName: privateEndpointSubnetName
    privateEndpointNames: privateEndpointNames
    workspaceId: workspace.outputs.id
    storageAccountId: storage.outputs.id
    keyVaultId: keyVault.outputs.id
    containerRegistryId: containerRegistry.outputs.id
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
output storageAccountId string = storage.outputs.id
output keyVaultId string = keyVault.outputs.id
output registryName string = createRegistry ? registryName : ''
output registryId string = createRegistry ? registryId : ''
output applicationInsightsName string = monitoring.outputs.applicationInsightsName
output logAnalyticsWorkspaceId string = monitoring.outputs.logAnalyticsId

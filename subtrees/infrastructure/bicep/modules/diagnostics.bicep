// Resource logs of the workspace, its Key Vault, its storage account's blob service, its container
// registry and (prod) the Azure ML registry, sent to the environment's Log Analytics workspace.
// 'allLogs' is the category group of every resource log a resource offers
// (https://learn.microsoft.com/azure/azure-monitor/essentials/diagnostic-settings#resource-logs); the
// registry's two categories are named, as Azure Monitor lists them
// (https://learn.microsoft.com/azure/azure-monitor/reference/supported-logs/microsoft-machinelearningservices-registries-logs).

@description('Resource id of the Log Analytics workspace that receives the logs.')
param logAnalyticsId string

@description('Name of the Azure ML workspace.')
param workspaceName string

@description('Name of the Key Vault.')
param keyVaultName string

@description('Name of the storage account (its blob service is logged).')
param storageAccountName string

@description('Name of the container registry.')
param containerRegistryName string

@description('This environment creates the Azure ML registry (prod), whose logs are sent too.')
param createRegistry bool

@description('Name of the Azure ML registry.')
param registryName string

var settingName = 'to-log-analytics'
var allLogs = [
  {
    categoryGroup: 'allLogs'
    enabled: true
  }
]

resource workspace 'Microsoft.MachineLearningServices/workspaces@2025-06-01' existing = {
  name: workspaceName
}

resource keyVault 'Microsoft.KeyVault/vaults@2024-11-01' existing = {
  name: keyVaultName
}

resource storageAccount 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource blobServices 'Microsoft.Storage/storageAccounts/blobServices@2025-01-01' existing = {
  parent: storageAccount
  name: 'default'
}

resource containerRegistry 'Microsoft.ContainerRegistry/registries@2025-04-01' existing = {
  name: containerRegistryName
}

resource registry 'Microsoft.MachineLearningServices/registries@2025-06-01' existing = if (createRegistry) {
  name: registryName
}

resource workspaceLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: settingName
  scope: workspace
  properties: {
    workspaceId: logAnalyticsId
    logs: allLogs
  }
}

resource keyVaultLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: settingName
  scope: keyVault
  properties: {
    workspaceId: logAnalyticsId
    logs: allLogs
  }
}

resource blobLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: settingName
  scope: blobServices
  properties: {
    workspaceId: logAnalyticsId
    logs: allLogs
  }
}

resource containerRegistryLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: settingName
  scope: containerRegistry
  properties: {
    workspaceId: logAnalyticsId
    logs: allLogs
  }
}

resource registryLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = if (createRegistry) {
  name: settingName
  scope: registry
  properties: {
    workspaceId: logAnalyticsId
    logs: [
      {
        category: 'RegistryAssetReadEvent'
        enabled: true
      }
      {
        category: 'RegistryAssetWriteEvent'
        enabled: true
      }
    ]
  }
}

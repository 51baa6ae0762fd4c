// Azure resources of one environment (dev or prod) of this MLOps project, deployed at subscription
// scope so that the deployment can create the resource group itself:
//
//   az deployment sub create --location <region> --parameters environments/dev.bicepparam

targetScope = 'subscription'

@description('Name of the resource group that holds every resource of the environment.')
param resourceGroupName string

@description('Azure region of the environment, e.g. westeurope.')
param location string

@description('Environment that this deployment builds.')
@allowed([
  'dev'
  'prod'
])
param environmentName string

@description('Tags applied to every resource, besides environment and managed_by.')
param tags object = {}

var allTags = union(tags, {
  environment: environmentName
  managed_by: 'bicep'
})

resource mainResourceGroup 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: resourceGroupName
  location: location
  tags: allTags
}

// Later versions of mlops-factory add the Azure ML workspace and its dependencies (storage account,
// Key Vault, container registry, Application Insights, Log Analytics) and the compute clusters, as
// modules deployed into mainResourceGroup and named from the same parameter files.

output resourceGroupName string = mainResourceGroup.name

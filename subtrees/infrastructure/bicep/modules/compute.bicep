// The workspace's compute clusters: a CPU cluster always, a GPU cluster for computer vision and NLP
// projects. Both scale to zero nodes after two idle minutes and run as the workspace identity; with
// private networking they sit in the training subnet without public IP addresses.

@description('Azure region of the clusters.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the Azure ML workspace the clusters belong to.')
param workspaceName string

@description('Name of the CPU cluster.')
param cpuClusterName string

@description('Name of the GPU cluster.')
param gpuClusterName string

@description('Create the GPU cluster.')
param enableGpuCluster bool

@description('Resource id of the user-assigned identity the clusters run as.')
param managedIdentityId string

@description('Place the clusters in the training subnet, without public IP addresses.')
param privateNetworking bool

@description('Name of the virtual network (used with private networking).')
param virtualNetworkName string

@description('Name of the training subnet (used with private networking).')
param trainingSubnetName string

var trainingSubnet = privateNetworking ? {
  id: resourceId('Microsoft.Network/virtualNetworks/subnets', virtualNetworkName, trainingSubnetName)
} : null

resource workspace 'Microsoft.MachineLearningServices/workspaces@2025-06-01' existing = {
  name: workspaceName
}

resource cpuCluster 'Microsoft.MachineLearningServices/workspaces/computes@2025-06-01' = {
  parent: workspace
  name: cpuClusterName
  location: location
  tags: tags
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${managedIdentityId}': {}
    }
  }
  properties: {
    computeType: 'AmlCompute'
    computeLocation: location
    description: 'CPU training cluster'
    disableLocalAuth: true
    properties: {
      vmSize: 'Standard_DS3_v2'
      vmPriority: 'Dedicated'
      osType: 'Linux'
      scaleSettings: {
        minNodeCount: 0
        maxNodeCount: 4
        nodeIdleTimeBeforeScaleDown: 'PT120S'
      }
      remoteLoginPortPublicAccess: 'Disabled'
      enableNodePublicIp: !privateNetworking
      subnet: trainingSubnet
    }
  }
}

resource gpuCluster 'Microsoft.MachineLearningServices/workspaces/computes@2025-06-01' = if (enableGpuCluster) {
  parent: workspace
  name: gpuClusterName
  location: location
  tags: tags
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${managedIdentityId}': {}
    }
  }
  properties: {
    computeType: 'AmlCompute'
    computeLocation: location
    description: 'GPU training cluster'
    disableLocalAuth: true
    properties: {
      vmSize: 'Standard_NC4as_T4_v3'
      vmPriority: 'Dedicated'
      osType: 'Linux'
      scaleSettings: {
        minNodeCount: 0
        maxNodeCount: 2
        nodeIdleTimeBeforeScaleDown: 'PT120S'
      }
      remoteLoginPortPublicAccess: 'Disabled'
      enableNodePublicIp: !privateNetworking
      subnet: trainingSubnet
    }
  }
}

output cpuClusterName string = cpuCluster.name
output gpuClusterName string = enableGpuCluster ? gpuClusterName : ''

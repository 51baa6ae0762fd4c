// The workspace's compute clusters: a CPU cluster always (batch endpoints and, with private
// networking, image builds), a GPU cluster where models are trained: dev of computer vision and NLP
// projects (prod deploys promoted models and never trains). Both scale to zero nodes after two idle
// minutes and run as the workspace identity. With private networking they live in the workspace's
// managed network without public IP addresses: no subnet of ours, so they wait for the workspace only.

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

@description('Give the nodes no public IP address (they live in the managed network of the workspace).')
param privateNetworking bool

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
    }
  }
}

output cpuClusterName string = cpuCluster.name
output gpuClusterName string = enableGpuCluster ? gpuClusterName : ''

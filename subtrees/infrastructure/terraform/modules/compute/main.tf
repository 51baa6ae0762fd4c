# Compute clusters of the workspace. Both scale to zero nodes when idle (after 120 seconds), run as
# the user-assigned identity and accept no local (key) authentication or SSH. The GPU cluster exists
# where models are trained: dev of computer vision and NLP projects (prod deploys promoted models and
# never trains). The CPU cluster serves batch endpoints and, with private networking, image builds.
#
# With private networking the clusters live in the workspace's managed network (provisioned with
# the workspace, see modules/workspace) without public IP addresses: no subnet of ours, so nothing
# to wait for but the workspace. azurerm accepts node_public_ip_enabled = false without a subnet
# since hashicorp/terraform-provider-azurerm#28673, made for managed networks.
#
# Each cluster is a block of its own with its VM size and node count written out: the project's
# preflight check (azure-setup) reads them from this file to check the subscription's quota.

resource "azurerm_machine_learning_compute_cluster" "cpu" {
  name                          = var.cpu_cluster_name
  location                      = var.resource_group.location
  machine_learning_workspace_id = var.workspace_id
  tags                          = var.resource_group.tags

  vm_size                   = "Standard_DS3_v2"
  vm_priority               = "Dedicated"
  local_auth_enabled        = false
  ssh_public_access_enabled = false
  node_public_ip_enabled    = !var.private_networking

  scale_settings {
    min_node_count                       = 0
    max_node_count                       = 4
    scale_down_nodes_after_idle_duration = "PT120S"
  }

  identity {
    type         = "UserAssigned"
    identity_ids = [var.identity_id]
  }
}

resource "azurerm_machine_learning_compute_cluster" "gpu" {
  count = var.enable_gpu_cluster ? 1 : 0

  name                          = var.gpu_cluster_name
  location                      = var.resource_group.location
  machine_learning_workspace_id = var.workspace_id
  tags                          = var.resource_group.tags

  vm_size                   = "Standard_NC4as_T4_v3"
  vm_priority               = "Dedicated"
  local_auth_enabled        = false
  ssh_public_access_enabled = false
  node_public_ip_enabled    = !var.private_networking

  scale_settings {
    min_node_count                       = 0
    max_node_count                       = 2
    scale_down_nodes_after_idle_duration = "PT120S"
  }

  identity {
    type         = "UserAssigned"
    identity_ids = [var.identity_id]
  }
}

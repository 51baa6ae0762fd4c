# Compute clusters of the workspace. Both scale to zero nodes when idle (after 120 seconds), run as
# the user-assigned identity and accept no local (key) authentication or SSH. With private
# networking they join the training subnet and their nodes get no public IP address.

resource "azurerm_machine_learning_compute_cluster" "cpu" {
  name                          = var.cpu_cluster_name
  location                      = var.location
  machine_learning_workspace_id = var.workspace_id
  tags                          = var.tags

  vm_size                   = "Standard_DS3_v2"
  vm_priority               = "Dedicated"
  local_auth_enabled        = false
  ssh_public_access_enabled = false
  node_public_ip_enabled    = !var.private_networking
  subnet_resource_id        = var.private_networking ? var.training_subnet_id : null

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
  location                      = var.location
  machine_learning_workspace_id = var.workspace_id
  tags                          = var.tags

  vm_size                   = "Standard_NC4as_T4_v3"
  vm_priority               = "Dedicated"
  local_auth_enabled        = false
  ssh_public_access_enabled = false
  node_public_ip_enabled    = !var.private_networking
  subnet_resource_id        = var.private_networking ? var.training_subnet_id : null

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

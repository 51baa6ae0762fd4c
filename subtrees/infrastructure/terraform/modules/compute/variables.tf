variable "resource_group" {
  description = "The environment's resource group: the resources of this module go into it (by name or ID), in its region, with its tags."
  type = object({
    id       = string
    name     = string
    location = string
    tags     = map(string)
  })
}

variable "workspace_id" {
  description = "Resource ID of the Azure ML workspace."
  type        = string
}

variable "identity_id" {
  description = "Resource ID of the user-assigned identity the clusters run as."
  type        = string
}

variable "cpu_cluster_name" {
  description = "Name of the CPU cluster."
  type        = string
}

variable "gpu_cluster_name" {
  description = "Name of the GPU cluster."
  type        = string
}

variable "enable_gpu_cluster" {
  description = "Create the GPU cluster."
  type        = bool
}

variable "private_networking" {
  description = "Give the nodes no public IP address (they live in the workspace's managed network)."
  type        = bool
}

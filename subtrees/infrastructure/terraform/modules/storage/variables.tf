variable "resource_group" {
  description = "The environment's resource group: the resources of this module go into it (by name or ID), in its region, with its tags."
  type = object({
    id       = string
    name     = string
    location = string
    tags     = map(string)
  })
}

variable "storage_account_name" {
  description = "Name of the storage account."
  type        = string
}

variable "private_networking" {
  description = "Deny every network but the private endpoints and the Azure ML registry."
  type        = bool
}

variable "registry_id" {
  description = "Resource ID of the Azure ML registry, allowed through the firewall to copy promoted models."
  type        = string
}

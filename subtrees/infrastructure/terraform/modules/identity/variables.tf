variable "resource_group" {
  description = "The environment's resource group: the resources of this module go into it (by name or ID), in its region, with its tags."
  type = object({
    id       = string
    name     = string
    location = string
    tags     = map(string)
  })
}

variable "managed_identity_name" {
  description = "Name of the user-assigned identity."
  type        = string
}

variable "storage_account_id" {
  description = "Resource ID of the workspace's storage account."
  type        = string
}

variable "key_vault_id" {
  description = "Resource ID of the workspace's Key Vault."
  type        = string
}

variable "container_registry_id" {
  description = "Resource ID of the workspace's container registry."
  type        = string
}

variable "application_insights_id" {
  description = "Resource ID of the workspace's Application Insights component."
  type        = string
}

variable "private_networking" {
  description = "Let the identity approve the private endpoints of the workspace's managed network."
  type        = bool
}

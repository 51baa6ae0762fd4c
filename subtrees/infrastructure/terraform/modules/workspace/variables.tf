variable "resource_group" {
  description = "The environment's resource group: the resources of this module go into it (by name or ID), in its region, with its tags."
  type = object({
    id       = string
    name     = string
    location = string
    tags     = map(string)
  })
}

variable "workspace_name" {
  description = "Name of the Azure ML workspace."
  type        = string
}

variable "identity_id" {
  description = "Resource ID of the user-assigned identity the workspace runs as."
  type        = string
}

variable "identity_principal_id" {
  description = "Object (principal) ID of that identity, which gets Contributor on the workspace."
  type        = string
}

variable "storage_account_id" {
  description = "Resource ID of the default storage account."
  type        = string
}

variable "key_vault_id" {
  description = "Resource ID of the Key Vault."
  type        = string
}

variable "container_registry_id" {
  description = "Resource ID of the container registry."
  type        = string
}

variable "application_insights_id" {
  description = "Resource ID of the Application Insights component."
  type        = string
}

variable "private_networking" {
  description = "Managed network with private endpoint outbound rules, public network access closed."
  type        = bool
}

variable "image_build_cluster" {
  description = "Compute cluster that builds environment images when the container registry is private."
  type        = string
}

variable "registry_id" {
  description = "Resource ID of the Azure ML registry when this environment creates it (prod), for an outbound rule to it; null otherwise."
  type        = string
  default     = null
}

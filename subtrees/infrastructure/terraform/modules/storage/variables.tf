variable "resource_group_name" {
  description = "Resource group of the storage account."
  type        = string
}

variable "location" {
  description = "Azure region."
  type        = string
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
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

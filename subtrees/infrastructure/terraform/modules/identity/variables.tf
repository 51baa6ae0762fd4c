variable "resource_group_name" {
  description = "Resource group of the identity."
  type        = string
}

variable "resource_group_id" {
  description = "Resource ID of the resource group (scope of the network connection approver role)."
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

variable "resource_group_name" {
  description = "Resource group of the network resources."
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

# ── Names ─────────────────────────────────────────────────────────────────────────────────────────
variable "virtual_network_name" {
  description = "Name of the virtual network (and of its links to the private DNS zones)."
  type        = string
}

variable "private_endpoint_subnet_name" {
  description = "Name of the subnet of the private endpoints."
  type        = string
}

variable "private_endpoint_workspace_name" {
  description = "Name of the workspace's private endpoint."
  type        = string
}

variable "private_endpoint_storage_blob_name" {
  description = "Name of the storage account's blob private endpoint."
  type        = string
}

variable "private_endpoint_storage_file_name" {
  description = "Name of the storage account's file private endpoint."
  type        = string
}

variable "private_endpoint_key_vault_name" {
  description = "Name of the Key Vault's private endpoint."
  type        = string
}

variable "private_endpoint_container_registry_name" {
  description = "Name of the container registry's private endpoint."
  type        = string
}

# ── Address ranges ────────────────────────────────────────────────────────────────────────────────
variable "address_space" {
  description = "Address range of the virtual network."
  type        = string
  default     = "10.0.0.0/16"
}

variable "private_endpoint_subnet_prefix" {
  description = "Address range of the private endpoint subnet."
  type        = string
  default     = "10.0.1.0/24"
}

# ── The resources behind the private endpoints ────────────────────────────────────────────────────
variable "workspace_id" {
  description = "Resource ID of the Azure ML workspace."
  type        = string
}

variable "storage_account_id" {
  description = "Resource ID of the storage account."
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

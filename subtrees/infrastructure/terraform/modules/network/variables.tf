variable "resource_group" {
  description = "The environment's resource group: the resources of this module go into it (by name or ID), in its region, with its tags."
  type = object({
    id       = string
    name     = string
    location = string
    tags     = map(string)
  })
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

variable "private_endpoint_names" {
  description = "Name of each private endpoint, by what it reaches: workspace, storage_blob, storage_file, key_vault and container_registry."
  type        = map(string)
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
  description = "Resource ID of the Azure ML workspace, whose API and studio the workspace endpoint reaches."
  type        = string
}

variable "storage_account_id" {
  description = "Resource ID of the storage account, whose blob and file services get an endpoint each."
  type        = string
}

variable "key_vault_id" {
  description = "Resource ID of the Key Vault behind the key_vault endpoint."
  type        = string
}

variable "container_registry_id" {
  description = "Resource ID of the container registry behind the container_registry endpoint."
  type        = string
}

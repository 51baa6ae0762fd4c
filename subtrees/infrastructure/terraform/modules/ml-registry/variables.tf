variable "resource_group_id" {
  description = "Resource ID of the resource group that holds the registry (prod's)."
  type        = string
}

variable "location" {
  description = "Azure region of the registry and of the storage it keeps assets in."
  type        = string
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
}

variable "registry_name" {
  description = "Name of the Azure ML registry."
  type        = string
}

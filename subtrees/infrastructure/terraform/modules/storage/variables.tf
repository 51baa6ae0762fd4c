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
  description = "Close the public endpoint; the network module adds the private endpoints."
  type        = bool
}

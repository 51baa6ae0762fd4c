variable "resource_group_name" {
  description = "Resource group of the Key Vault."
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

variable "key_vault_name" {
  description = "Name of the Key Vault."
  type        = string
}

variable "purge_protection" {
  description = "Turn on purge protection (it cannot be turned off again)."
  type        = bool
}

variable "private_networking" {
  description = "Close the public endpoint; the network module adds the private endpoint."
  type        = bool
}

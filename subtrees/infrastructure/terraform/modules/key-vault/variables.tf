variable "resource_group" {
  description = "The environment's resource group: the resources of this module go into it (by name or ID), in its region, with its tags."
  type = object({
    id       = string
    name     = string
    location = string
    tags     = map(string)
  })
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

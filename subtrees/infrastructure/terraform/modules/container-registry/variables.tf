variable "resource_group" {
  description = "The environment's resource group: the resources of this module go into it (by name or ID), in its region, with its tags."
  type = object({
    id       = string
    name     = string
    location = string
    tags     = map(string)
  })
}

variable "container_registry_name" {
  description = "Name of the container registry."
  type        = string
}

variable "private_networking" {
  description = "Premium tier and no public endpoint; the network module adds the private endpoint."
  type        = bool
}

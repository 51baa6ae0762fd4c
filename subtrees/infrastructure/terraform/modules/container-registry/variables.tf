variable "resource_group_name" {
  description = "Resource group of the container registry."
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

variable "container_registry_name" {
  description = "Name of the container registry."
  type        = string
}

variable "private_networking" {
  description = "Premium tier and no public endpoint; the network module adds the private endpoint."
  type        = bool
}

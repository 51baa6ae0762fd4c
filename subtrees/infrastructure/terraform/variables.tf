variable "resource_group_name" {
  description = "Name of the resource group that holds every resource of the environment."
  type        = string
}

variable "location" {
  description = "Azure region of the environment, e.g. westeurope."
  type        = string
}

variable "environment" {
  description = "Environment that this deployment builds: dev or prod."
  type        = string

  validation {
    condition     = contains(["dev", "prod"], var.environment)
    error_message = "The environment must be dev or prod."
  }
}

variable "tags" {
  description = "Tags applied to every resource, besides environment and managed_by."
  type        = map(string)
  default     = {}
}

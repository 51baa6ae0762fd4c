variable "log_analytics_id" {
  description = "Resource ID of the Log Analytics workspace that receives the logs."
  type        = string
}

variable "workspace_id" {
  description = "Resource ID of the Azure ML workspace."
  type        = string
}

variable "key_vault_id" {
  description = "Resource ID of the Key Vault."
  type        = string
}

variable "storage_account_id" {
  description = "Resource ID of the storage account (its blob service is logged)."
  type        = string
}

variable "container_registry_id" {
  description = "Resource ID of the container registry."
  type        = string
}

variable "create_registry" {
  description = "This environment creates the Azure ML registry (prod), whose logs are sent too."
  type        = bool
}

variable "registry_id" {
  description = "Resource ID of the Azure ML registry; null when this environment does not create it."
  type        = string
  default     = null
}

variable "resource_group" {
  description = "The environment's resource group: the resources of this module go into it (by name or ID), in its region, with its tags."
  type = object({
    id       = string
    name     = string
    location = string
    tags     = map(string)
  })
}

variable "log_analytics_name" {
  description = "Name of the Log Analytics workspace."
  type        = string
}

variable "application_insights_name" {
  description = "Name of the Application Insights component."
  type        = string
}

variable "retention_in_days" {
  description = "Days that logs and telemetry are kept."
  type        = number
  default     = 90
}

variable "resource_group_name" {
  description = "Resource group of the alerts."
  type        = string
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
}

variable "workspace_id" {
  description = "Resource ID of the Azure ML workspace whose failed runs raise the alert."
  type        = string
}

variable "alert_email" {
  description = "E-mail address of the action group; empty: no action group."
  type        = string
}

variable "action_group_name" {
  description = "Name of the action group."
  type        = string
}

variable "action_group_short_name" {
  description = "Short name of the action group, shown in its e-mails (at most 12 characters)."
  type        = string
}

variable "failed_runs_alert_name" {
  description = "Name of the alert rule on the workspace's failed runs."
  type        = string
}

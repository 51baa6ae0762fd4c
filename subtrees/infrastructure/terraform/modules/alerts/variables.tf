variable "resource_group" {
  description = "The environment's resource group: the resources of this module go into it (by name or ID), in its region, with its tags."
  type = object({
    id       = string
    name     = string
    location = string
    tags     = map(string)
  })
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

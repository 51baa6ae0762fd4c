output "action_group_id" {
  description = "Resource ID of the action group; null when the project has no alert e-mail."
  value       = one(azurerm_monitor_action_group.main[*].id)
}

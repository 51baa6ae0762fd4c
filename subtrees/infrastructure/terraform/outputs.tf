# What the ML pipelines and the people running them need to know about the environment.

output "resource_group_name" {
  description = "Resource group of the environment."
  value       = azurerm_resource_group.main.name
}

output "workspace_name" {
  description = "Azure ML workspace."
  value       = module.workspace.name
}

output "workspace_id" {
  description = "Resource ID of the Azure ML workspace."
  value       = module.workspace.id
}

output "managed_identity_client_id" {
  description = "Client ID of the user-assigned identity of the workspace and its clusters."
  value       = module.identity.client_id
}

output "managed_identity_principal_id" {
  description = "Object (principal) ID of the user-assigned identity, for further role assignments."
  value       = module.identity.principal_id
}

output "storage_account_name" {
  description = "Default storage account of the workspace."
  value       = module.storage.name
}

output "storage_account_id" {
  description = "Resource ID of the workspace's storage account, the scope of the blob data roles of whoever uploads data or code."
  value       = module.storage.id
}

output "key_vault_id" {
  description = "Resource ID of the workspace's Key Vault."
  value       = module.key_vault.id
}

output "key_vault_uri" {
  description = "URI of the workspace's Key Vault."
  value       = module.key_vault.uri
}

output "container_registry_login_server" {
  description = "Login server of the workspace's container registry."
  value       = module.container_registry.login_server
}

output "cpu_cluster_name" {
  description = "CPU compute cluster."
  value       = module.compute.cpu_cluster_name
}

output "gpu_cluster_name" {
  description = "GPU compute cluster; empty when the environment has none."
  value       = module.compute.gpu_cluster_name
}

output "registry_name" {
  description = "Azure ML registry created by this environment; empty when it is created elsewhere (dev uses prod's)."
  value       = var.create_registry ? module.ml_registry[0].name : ""
}

output "registry_id" {
  description = "Resource ID of the Azure ML registry, the scope of the AzureML Registry User role of whoever promotes models; empty in dev, whose registry prod creates."
  value       = var.create_registry ? module.ml_registry[0].id : ""
}

output "application_insights_name" {
  description = "Application Insights component of the workspace."
  value       = module.monitoring.application_insights_name
}

output "log_analytics_workspace_id" {
  description = "Resource ID of the Log Analytics workspace that receives the diagnostic logs."
  value       = module.monitoring.log_analytics_id
}

# One environment (dev or prod) of the project's Azure Machine Learning platform:
#
#   resource group
#   ├── Log Analytics workspace + Application Insights   modules/monitoring
#   ├── storage account                                  modules/storage
#   ├── Key Vault                                        modules/key-vault
#   ├── container registry                               modules/container-registry
#   ├── user-assigned identity + its role assignments    modules/identity
#   ├── Azure ML registry (prod only, shared with dev)   modules/ml-registry
#   ├── Azure ML workspace (+ its managed network)       modules/workspace
#   ├── CPU cluster, GPU cluster (dev of cv, nlp)        modules/compute
#   ├── diagnostic settings → Log Analytics              modules/diagnostics
#   ├── action group, alert rule on failed runs          modules/alerts
#   └── client network: private DNS, private endpoints   modules/network (private networking only)
#
# Names come from the variables as they are; see environments/<environment>.tfvars.

locals {
  tags = merge(var.tags, {
    environment = var.environment
    managed_by  = "terraform"
  })

  # The registry lives in prod's resource group whichever environment this is: dev needs its ID
  # before prod has created it (its storage lets the registry copy promoted models).
  registry_id = "/subscriptions/${coalesce(var.registry_subscription_id, data.azurerm_client_config.current.subscription_id)}/resourceGroups/${var.registry_resource_group_name}/providers/Microsoft.MachineLearningServices/registries/${var.registry_name}"
}

data "azurerm_client_config" "current" {}

resource "azurerm_resource_group" "main" {
  name     = var.resource_group_name
  location = var.location
  tags     = local.tags
}

module "monitoring" {
  source = "./modules/monitoring"

  resource_group            = azurerm_resource_group.main
  log_analytics_name        = var.log_analytics_name
  application_insights_name = var.application_insights_name
}

module "storage" {
  source = "./modules/storage"

  resource_group       = azurerm_resource_group.main
  storage_account_name = var.storage_account_name
  private_networking   = var.private_networking
  registry_id          = local.registry_id
}

module "key_vault" {
  source = "./modules/key-vault"

  resource_group     = azurerm_resource_group.main
  key_vault_name     = var.key_vault_name
  purge_protection   = var.key_vault_purge_protection
  private_networking = var.private_networking
}

module "container_registry" {
  source = "./modules/container-registry"

  resource_group          = azurerm_resource_group.main
  container_registry_name = var.container_registry_name
  private_networking      = var.private_networking
}

module "identity" {
  source = "./modules/identity"

  resource_group          = azurerm_resource_group.main
  managed_identity_name   = var.managed_identity_name
  storage_account_id      = module.storage.id
  key_vault_id            = module.key_vault.id
  container_registry_id   = module.container_registry.id
  application_insights_id = module.monitoring.application_insights_id
  private_networking      = var.private_networking
}

# The registry through which models move from dev to prod. Both environments use the one registry;
# it is created with prod, in the prod resource group, before prod's workspace (whose managed
# network gets a private endpoint to it).
module "ml_registry" {
  source = "./modules/ml-registry"
  count  = var.create_registry ? 1 : 0

  resource_group = azurerm_resource_group.main
  registry_name  = var.registry_name
}

module "workspace" {
  source = "./modules/workspace"

  resource_group          = azurerm_resource_group.main
  workspace_name          = var.workspace_name
  identity_id             = module.identity.id
  identity_principal_id   = module.identity.principal_id
  storage_account_id      = module.storage.id
  key_vault_id            = module.key_vault.id
  container_registry_id   = module.container_registry.id
  application_insights_id = module.monitoring.application_insights_id
  private_networking      = var.private_networking
  image_build_cluster     = var.cpu_cluster_name
  registry_id             = one(module.ml_registry[*].id)
}

module "compute" {
  source = "./modules/compute"

  resource_group     = azurerm_resource_group.main
  workspace_id       = module.workspace.id
  identity_id        = module.identity.id
  cpu_cluster_name   = var.cpu_cluster_name
  gpu_cluster_name   = var.gpu_cluster_name
  enable_gpu_cluster = var.enable_gpu_cluster
  private_networking = var.private_networking
}

module "diagnostics" {
  source = "./modules/diagnostics"

  log_analytics_id      = module.monitoring.log_analytics_id
  workspace_id          = module.workspace.id
  key_vault_id          = module.key_vault.id
  storage_account_id    = module.storage.id
  container_registry_id = module.container_registry.id
  create_registry       = var.create_registry
  registry_id           = one(module.ml_registry[*].id)
}

# E-mails alert_email (when the project has one) when runs of the workspace fail, model monitor runs
# that breach a threshold among them.
module "alerts" {
  source = "./modules/alerts"

  resource_group          = azurerm_resource_group.main
  workspace_id            = module.workspace.id
  alert_email             = var.alert_email
  action_group_name       = var.action_group_name
  action_group_short_name = var.action_group_short_name
  failed_runs_alert_name  = var.failed_runs_alert_name
}

module "network" {
  source = "./modules/network"
  count  = var.private_networking ? 1 : 0

  resource_group               = azurerm_resource_group.main
  virtual_network_name         = var.virtual_network_name
  private_endpoint_subnet_name = var.private_endpoint_subnet_name
  private_endpoint_names       = var.private_endpoint_names
  workspace_id                 = module.workspace.id
  storage_account_id           = module.storage.id
  key_vault_id                 = module.key_vault.id
  container_registry_id        = module.container_registry.id
}

# Azure resources of one environment (dev or prod) of this MLOps project.
#
# The state lives in the Azure Storage account named in config-infra-<environment>.yml; its
# coordinates are passed at `terraform init` time (see README.md), so the same code serves both
# environments.

terraform {
  required_version = ">= 1.9"

  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.0"
    }
  }

  backend "azurerm" {}
}

# Authentication comes from the environment: ARM_USE_OIDC, ARM_CLIENT_ID, ARM_TENANT_ID and
# ARM_SUBSCRIPTION_ID in CI, or an `az login` session on a laptop (with ARM_SUBSCRIPTION_ID set).
provider "azurerm" {
  features {}
}

locals {
  tags = merge(var.tags, {
    environment = var.environment
    managed_by  = "terraform"
  })
}

resource "azurerm_resource_group" "main" {
  name     = var.resource_group_name
  location = var.location
  tags     = local.tags
}

# Later versions of mlops-factory add the Azure ML workspace and its dependencies here (storage
# account, Key Vault, container registry, Application Insights, Log Analytics) and the compute
# clusters, all inside azurerm_resource_group.main and named from the same variables file.

output "resource_group_name" {
  description = "Name of the resource group that holds the environment."
  value       = azurerm_resource_group.main.name
}

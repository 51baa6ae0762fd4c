# Terraform, provider versions and the state backend.
#
# The state lives in the Azure Storage container named in config-infra-<environment>.yml. Its
# coordinates are not written here: `terraform init -backend-config=environments/<environment>.backend.hcl`
# passes them, so one configuration serves dev and prod.

terraform {
  required_version = ">= 1.9, < 2.0"

  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.55"
    }
    # Only for what azurerm cannot express: the Azure ML registry, and the workspace, which must be
    # created with identity-based access to its storage in one step (see modules/ml-registry and
    # modules/workspace).
    azapi = {
      source  = "Azure/azapi"
      version = "~> 2.0"
    }
  }

  backend "azurerm" {}
}

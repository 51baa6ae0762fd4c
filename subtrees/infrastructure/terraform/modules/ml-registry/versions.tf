terraform {
  required_providers {
    azapi = {
      source = "Azure/azapi"
    }
  }
}

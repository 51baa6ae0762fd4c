variable "resource_group" {
  description = "The resource group that holds the registry (prod's): the registry and the storage it keeps assets in take its region and tags."
  type        = object({ id = string, location = string, tags = map(string) })
}

variable "registry_name" {
  description = "Name of the Azure ML registry."
  type        = string
}

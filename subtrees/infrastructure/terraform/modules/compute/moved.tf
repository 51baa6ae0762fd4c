# The addresses these resources had before they were declared with for_each: Terraform moves their
# state to the new addresses instead of destroying and creating them again. Keep the blocks until
# every environment has been applied with them.

moved {
  from = azurerm_machine_learning_compute_cluster.cpu
  to   = azurerm_machine_learning_compute_cluster.main["cpu"]
}

moved {
  from = azurerm_machine_learning_compute_cluster.gpu[0]
  to   = azurerm_machine_learning_compute_cluster.main["gpu"]
}

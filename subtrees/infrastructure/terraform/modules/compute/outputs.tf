output "cpu_cluster_name" {
  description = "Name of the CPU cluster."
  value       = azurerm_machine_learning_compute_cluster.cpu.name
}

output "gpu_cluster_name" {
  description = "Name of the GPU cluster; empty when it is not created."
  value       = var.enable_gpu_cluster ? azurerm_machine_learning_compute_cluster.gpu[0].name : ""
}

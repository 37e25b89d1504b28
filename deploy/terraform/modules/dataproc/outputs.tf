output "cluster_name" {
  description = "Name of the Dataproc cluster."
  value       = google_dataproc_cluster.this.name
}

output "jupyter_url" {
  description = "JupyterLab through the Component Gateway. The owner must first run the enable-personal-auth-session command."
  value       = google_dataproc_cluster.this.cluster_config[0].endpoint_config[0].http_ports["JupyterLab"]
}

output "enable_personal_auth_command" {
  description = "The command the owner runs to put their credentials on the cluster."
  value       = "gcloud dataproc clusters enable-personal-auth-session --project=${var.project} --region=${var.region} ${google_dataproc_cluster.this.name}"
}

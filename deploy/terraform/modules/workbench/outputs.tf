output "instance_name" {
  description = "Name of the Workbench instance."
  value       = google_workbench_instance.this.name
}

output "instance_id" {
  description = "Full resource ID (projects/P/locations/ZONE/instances/NAME)."
  value       = google_workbench_instance.this.id
}

output "jupyter_url" {
  description = "JupyterLab URL; it answers once the instance is ACTIVE and the owner has granted consent."
  value       = "https://${google_workbench_instance.this.proxy_uri}"
}

output "session_template" {
  description = "Serverless Spark session template for the owner, or null."
  value       = var.spark_serverless ? google_dataproc_session_template.spark[0].name : null
}

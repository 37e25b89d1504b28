# Shared values. Resources are split by concern: apis.tf, run.tf, iam.tf, firestore.tf, secrets.tf,
# scheduler.tf, infra_ci.tf; outputs.tf lists what the admin pastes into Slack, GitHub and the infra repo.

data "google_project" "bot" {
  project_id = var.project
}

data "google_project" "environments" {
  project_id = local.environments_project
}

locals {
  environments_project = coalesce(var.environments_project, var.project)
  firestore_location   = coalesce(var.firestore_location, var.region)

  # Cloud Run's deterministic URL is known before the service exists, so the service can be told its own
  # reconcile audience and Slack can be configured without a second apply.
  base_url      = trimsuffix(coalesce(var.public_url, "https://${var.service_name}-${data.google_project.bot.number}.${var.region}.run.app"), "/")
  reconcile_url = "${local.base_url}/tasks/reconcile"

  # The bot database is addressed as firestore://PROJECT[/DATABASE]; "(default)" needs no suffix.
  store_url = var.firestore_database == "(default)" ? "firestore://${var.project}" : "firestore://${var.project}/${var.firestore_database}"

  # Workbench instances with managed end-user credentials always run as the Compute Engine default
  # service account, and so do Dataproc clusters whose template names none.
  vm_service_accounts = coalesce(var.vm_service_accounts, ["${data.google_project.environments.number}-compute@developer.gserviceaccount.com"])

  labels = merge(var.labels, { "managed-by" = "terraform", "app" = "notebook-bot" })
}

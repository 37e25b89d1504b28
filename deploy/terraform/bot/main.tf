# Shared values. Resources are split by concern: apis.tf, run.tf, iam.tf, firestore.tf, secrets.tf,
# scheduler.tf, infra_ci.tf; outputs.tf lists what the admin pastes into Slack, GitHub and the infra repo.

data "google_project" "bot" {
  project_id = var.project
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

  labels = merge(var.labels, { "managed-by" = "terraform", "app" = "notebook-bot" })
}

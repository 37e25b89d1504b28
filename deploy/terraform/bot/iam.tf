# Identities and least privilege. Only additive *_iam_member resources: authoritative *_binding / *_policy
# resources would strip members that other teams granted (the mistake DESIGN §1 calls out).

resource "google_service_account" "bot" {
  project      = var.project
  account_id   = var.service_name
  display_name = "notebook-bot (Cloud Run runtime)"
  description  = "Reads and writes the bot's Firestore database; starts, stops and reads users' environments."
}

# Cloud Scheduler signs its OIDC token as this account; the bot accepts reconcile calls only from it.
resource "google_service_account" "reconcile_invoker" {
  project      = var.project
  account_id   = "${var.service_name}-scheduler"
  display_name = "notebook-bot reconcile invoker (Cloud Scheduler)"
}

# The bot never creates or deletes environments (that goes through pull requests and CI); it only reads
# their state and starts/stops them on the owner's behalf.
resource "google_project_iam_custom_role" "environment_operator" {
  project     = local.environments_project
  role_id     = "notebookBotEnvironmentOperator"
  title       = "notebook-bot environment operator"
  description = "Read, start and stop Workbench instances and Dataproc clusters; poll their operations."
  permissions = [
    "dataproc.clusters.get",
    "dataproc.clusters.list",
    "dataproc.clusters.start",
    "dataproc.clusters.stop",
    "dataproc.operations.get",
    "notebooks.instances.get",
    "notebooks.instances.list",
    "notebooks.instances.start",
    "notebooks.instances.stop",
    "notebooks.operations.get",
  ]
}

resource "google_project_iam_member" "bot_environment_operator" {
  project = local.environments_project
  role    = google_project_iam_custom_role.environment_operator.name
  member  = google_service_account.bot.member
}

resource "google_project_iam_member" "bot_firestore" {
  project = var.project
  role    = "roles/datastore.user"
  member  = google_service_account.bot.member

  # Limited to the bot's own database, not every database in the project.
  condition {
    title      = "notebook-bot database only"
    expression = "resource.name == \"projects/${var.project}/databases/${var.firestore_database}\""
  }
}

locals {
  bot_apis = [
    "artifactregistry.googleapis.com",
    "cloudbuild.googleapis.com",
    "cloudresourcemanager.googleapis.com",
    "cloudscheduler.googleapis.com",
    "firestore.googleapis.com",
    "iam.googleapis.com",
    "iamcredentials.googleapis.com",
    "run.googleapis.com",
    "secretmanager.googleapis.com",
    "storage.googleapis.com",
    "sts.googleapis.com",
  ]
  environment_apis = [
    "compute.googleapis.com",
    "dataproc.googleapis.com",
    "notebooks.googleapis.com",
  ]

  # Keyed by "project/api" so one project serving both roles enables each API once.
  project_apis = merge(
    { for api in local.bot_apis : "${var.project}/${api}" => { project = var.project, api = api } },
    { for api in local.environment_apis : "${local.environments_project}/${api}" => { project = local.environments_project, api = api } },
  )
}

resource "google_project_service" "enabled" {
  for_each = local.project_apis

  project = each.value.project
  service = each.value.api
  # Other workloads in the project may use these APIs; destroying the bot must not switch them off.
  disable_on_destroy = false
}

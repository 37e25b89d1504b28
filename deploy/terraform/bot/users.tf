# What the people who have environments need themselves (var.notebook_users, e.g. a Google group). The bot
# and CI create the environments; users then work in them as themselves:
# - Dataproc personal authentication: dataproc.clusters.use (enable-personal-auth-session, JupyterLab
#   through the Component Gateway) on their cluster;
# - Serverless Spark with end-user credentials: create and use sessions from their session template;
# - Workbench managed end-user credentials and Dataproc VMs: actAs on the VM service accounts only.

resource "google_project_iam_custom_role" "notebook_user" {
  project     = local.environments_project
  role_id     = "notebookBotUser"
  title       = "notebook-bot user"
  description = "Use one's own Workbench instance, personal-auth Dataproc cluster and Serverless Spark sessions."
  permissions = [
    "dataproc.clusters.get",
    "dataproc.clusters.list",
    "dataproc.clusters.use",
    "dataproc.operations.get",
    "dataproc.sessionTemplates.get",
    "dataproc.sessionTemplates.list",
    "dataproc.sessions.create",
    "dataproc.sessions.delete",
    "dataproc.sessions.get",
    "dataproc.sessions.list",
    "dataproc.sessions.terminate",
    "notebooks.instances.get",
    "notebooks.instances.list",
    "notebooks.instances.use",
    "notebooks.locations.get",
    "notebooks.locations.list",
    "serviceusage.services.use",
  ]
}

resource "google_project_iam_member" "notebook_user" {
  for_each = toset(var.notebook_users)

  project = local.environments_project
  role    = google_project_iam_custom_role.notebook_user.name
  member  = each.value
}

resource "google_service_account_iam_member" "notebook_user_vm" {
  for_each = { for pair in setproduct(var.notebook_users, local.vm_service_accounts) : "${pair[0]} ${pair[1]}" => pair }

  service_account_id = "projects/${local.environments_project}/serviceAccounts/${each.value[1]}"
  role               = "roles/iam.serviceAccountUser"
  member             = each.value[0]

  # The Compute Engine default service account appears when the Compute API is enabled.
  depends_on = [google_project_service.enabled]
}

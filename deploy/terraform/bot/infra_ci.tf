# Identity for the infrastructure repository's CI (deploy/infra-repo/.github/workflows): GitHub's OIDC token
# is exchanged through Workload Identity Federation, so no service account key exists anywhere.
#
# Trust is by numeric repository and owner ID (a repository deleted and re-created under the same name, or a
# renamed organisation, is not trusted). Two accounts, because a pull request can change the workflow it
# runs with: any workflow of the repository gets the read-only plan identity; only the apply workflow on
# main (var.apply_workflow, named in the token's workflow_ref) can act as the deployer.

locals {
  apply_workflow_ref = "${var.github_repo}/${var.apply_workflow}"
}

resource "google_iam_workload_identity_pool" "infra_ci" {
  project                   = var.project
  workload_identity_pool_id = "${var.service_name}-ci"
  display_name              = "notebook-bot infra CI"
  description               = "GitHub Actions of ${var.github_repo}."

  depends_on = [google_project_service.enabled]
}

resource "google_iam_workload_identity_pool_provider" "github" {
  # checkov:skip=CKV_GCP_125: the condition pins the numeric repository_id and repository_owner_id, stronger than a sub claim (which names the repository only by its reusable name); apply is further bound to one workflow_ref
  project                            = var.project
  workload_identity_pool_id          = google_iam_workload_identity_pool.infra_ci.workload_identity_pool_id
  workload_identity_pool_provider_id = "github"
  display_name                       = "GitHub Actions"

  attribute_mapping = {
    "google.subject"                = "assertion.sub"
    "attribute.repository"          = "assertion.repository"
    "attribute.repository_id"       = "assertion.repository_id"
    "attribute.repository_owner_id" = "assertion.repository_owner_id"
    "attribute.workflow_ref"        = "assertion.workflow_ref"
    "attribute.ref"                 = "assertion.ref"
  }
  # Tokens from any other repository are rejected before they reach a service account.
  attribute_condition = "assertion.repository_id == \"${var.github_repository_id}\" && assertion.repository_owner_id == \"${var.github_repository_owner_id}\""

  oidc {
    issuer_uri = var.github_oidc_issuer
  }
}

resource "google_service_account" "infra_plan" {
  project      = var.project
  account_id   = "${var.service_name}-ci-plan"
  display_name = "notebook-bot infra CI: plan (pull requests)"
}

resource "google_service_account" "infra_apply" {
  project      = var.project
  account_id   = "${var.service_name}-ci-apply"
  display_name = "notebook-bot infra CI: apply (main)"
}

resource "google_service_account_iam_member" "infra_plan_wif" {
  service_account_id = google_service_account.infra_plan.name
  role               = "roles/iam.workloadIdentityUser"
  member             = "principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.infra_ci.name}/attribute.repository_id/${var.github_repository_id}"
}

resource "google_service_account_iam_member" "infra_apply_wif" {
  service_account_id = google_service_account.infra_apply.name
  role               = "roles/iam.workloadIdentityUser"
  member             = "principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.infra_ci.name}/attribute.workflow_ref/${local.apply_workflow_ref}"
}

resource "google_project_iam_member" "infra_plan" {
  for_each = toset(var.infra_ci_plan_roles)

  project = local.environments_project
  role    = each.value
  member  = google_service_account.infra_plan.member
}

# What applying the environment modules needs, instead of notebooks.admin / dataproc.editor (which also
# manage schedules, executions, jobs, workflow templates, IAM policies...).
resource "google_project_iam_custom_role" "infra_apply" {
  project     = local.environments_project
  role_id     = "notebookBotInfraApply"
  title       = "notebook-bot infra CI: apply"
  description = "Create, update and delete Workbench instances, Dataproc clusters and session templates."
  permissions = sort(distinct(concat([
    "dataproc.clusters.create",
    "dataproc.clusters.delete",
    "dataproc.clusters.get",
    "dataproc.clusters.list",
    "dataproc.clusters.start",
    "dataproc.clusters.stop",
    "dataproc.clusters.update",
    "dataproc.operations.get",
    "dataproc.sessionTemplates.create",
    "dataproc.sessionTemplates.delete",
    "dataproc.sessionTemplates.get",
    "dataproc.sessionTemplates.list",
    "dataproc.sessionTemplates.update",
    "notebooks.instances.create",
    "notebooks.instances.delete",
    "notebooks.instances.get",
    "notebooks.instances.list",
    "notebooks.instances.start",
    "notebooks.instances.stop",
    "notebooks.instances.update",
    "notebooks.operations.get",
    "serviceusage.services.use",
  ], var.infra_ci_apply_extra_permissions)))
}

resource "google_project_iam_member" "infra_apply" {
  project = local.environments_project
  role    = google_project_iam_custom_role.infra_apply.name
  member  = google_service_account.infra_apply.member
}

# Creating a VM that runs as a service account needs actAs on that account: granted on the VM accounts the
# templates name, never project-wide (which would let a merged file run a VM as the bot itself).
resource "google_service_account_iam_member" "infra_apply_vm_user" {
  for_each = toset(local.vm_service_accounts)

  service_account_id = "projects/${local.environments_project}/serviceAccounts/${each.value}"
  role               = "roles/iam.serviceAccountUser"
  member             = google_service_account.infra_apply.member

  depends_on = [google_project_service.enabled]
}

# Terraform state of the environment roots (environments/, environments/shard-*/), one prefix per root.
resource "google_storage_bucket" "infra_state" {
  # checkov:skip=CKV_GCP_62: usage logs need a second bucket; who read or wrote state is in Cloud Audit Logs (enable Data Access logs for Cloud Storage to keep reads too)
  project                     = var.project
  name                        = "${var.project}-${var.service_name}-tfstate"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  labels                      = local.labels

  # Old state versions are the way back from a bad apply.
  versioning {
    enabled = true
  }

  lifecycle_rule {
    condition {
      num_newer_versions = 20
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.enabled]
}

# Plans only read state. A root whose state does not exist yet (a new shard) is planned with a local backend
# by plan.yml, since the GCS backend writes an empty state on first use; apply creates the real one.
resource "google_storage_bucket_iam_member" "infra_state_plan" {
  bucket = google_storage_bucket.infra_state.name
  role   = "roles/storage.objectViewer"
  member = google_service_account.infra_plan.member
}

resource "google_storage_bucket_iam_member" "infra_state_apply" {
  bucket = google_storage_bucket.infra_state.name
  role   = "roles/storage.objectUser"
  member = google_service_account.infra_apply.member
}

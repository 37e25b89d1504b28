# Identity for the infrastructure repository's CI (deploy/infra-repo/.github/workflows): GitHub's OIDC token
# is exchanged through Workload Identity Federation, so no service account key exists anywhere.
#
# Two accounts, because a pull request can change the workflow it runs with: PR plans get a read-only
# identity, and only runs on refs/heads/main (protected, reviewed) can act as the deployer.

resource "google_iam_workload_identity_pool" "infra_ci" {
  project                   = var.project
  workload_identity_pool_id = "${var.service_name}-ci"
  display_name              = "notebook-bot infra CI"
  description               = "GitHub Actions of ${var.github_repo}."

  depends_on = [google_project_service.enabled]
}

resource "google_iam_workload_identity_pool_provider" "github" {
  project                            = var.project
  workload_identity_pool_id          = google_iam_workload_identity_pool.infra_ci.workload_identity_pool_id
  workload_identity_pool_provider_id = "github"
  display_name                       = "GitHub Actions"

  attribute_mapping = {
    "google.subject"       = "assertion.sub"
    "attribute.repository" = "assertion.repository"
    "attribute.ref"        = "assertion.ref"
  }
  # Tokens from any other repository are rejected before they reach a service account.
  attribute_condition = "assertion.repository == \"${var.github_repo}\""

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
  member             = "principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.infra_ci.name}/attribute.repository/${var.github_repo}"
}

resource "google_service_account_iam_member" "infra_apply_wif" {
  service_account_id = google_service_account.infra_apply.name
  role               = "roles/iam.workloadIdentityUser"
  member             = "principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.infra_ci.name}/attribute.ref/refs/heads/main"
}

resource "google_project_iam_member" "infra_plan" {
  for_each = toset(var.infra_ci_plan_roles)

  project = local.environments_project
  role    = each.value
  member  = google_service_account.infra_plan.member
}

resource "google_project_iam_member" "infra_apply" {
  for_each = toset(var.infra_ci_apply_roles)

  project = local.environments_project
  role    = each.value
  member  = google_service_account.infra_apply.member
}

# Terraform state of the environment roots (environments/, environments/shard-*/), one prefix per root.
resource "google_storage_bucket" "infra_state" {
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

# Secret *containers* only. Values are added out of band (`gcloud secrets versions add`, see README) so no
# secret ever lands in Terraform state or plan output.

locals {
  # Secrets exposed to the container as environment variables: key => variable name.
  secret_env = {
    slack_bot_token       = "SLACK_BOT_TOKEN"
    slack_signing_secret  = "SLACK_SIGNING_SECRET" # checkov:skip=CKV_SECRET_6: a variable name, not a value
    github_credential     = var.github_auth == "app" ? "GITHUB_APP_PRIVATE_KEY" : "GITHUB_TOKEN"
    github_webhook_secret = "GITHUB_WEBHOOK_SECRET" # checkov:skip=CKV_SECRET_6: a variable name, not a value
  }

  # The policy file is mounted as a file (NOTEBOOK_BOT_CONFIG), not passed in the environment.
  secret_keys = concat(keys(local.secret_env), ["policy"])
}

resource "google_secret_manager_secret" "bot" {
  for_each = toset(local.secret_keys)

  project   = var.project
  secret_id = var.secret_ids[each.key]
  labels    = local.labels

  replication {
    auto {}
  }

  depends_on = [google_project_service.enabled]
}

# Per-secret access for the bot's own identity; nothing project-wide.
resource "google_secret_manager_secret_iam_member" "bot_access" {
  for_each = google_secret_manager_secret.bot

  project   = var.project
  secret_id = each.value.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.bot.member
}

output "slack_request_url" {
  description = "Paste into the Slack app: slash command, interactivity and event subscription URLs."
  value       = "${local.base_url}/slack/events"
}

output "github_webhook_url" {
  description = "Payload URL of the infra repository's webhook (events: pull_request, status)."
  value       = "${local.base_url}/github/webhook"
}

output "service_account_email" {
  description = "Identity the bot runs as."
  value       = google_service_account.bot.email
}

output "reconcile_invoker_email" {
  description = "Service account Cloud Scheduler signs reconcile calls as (NOTEBOOK_BOT_RECONCILE_INVOKER)."
  value       = google_service_account.reconcile_invoker.email
}

output "image_repository" {
  description = "Push images here: IMAGE = <this>/notebook-bot:TAG."
  value       = "${var.region}-docker.pkg.dev/${var.project}/${google_artifact_registry_repository.images.repository_id}"
}

output "secret_ids" {
  description = "Secrets to fill with `gcloud secrets versions add ID --data-file=...`."
  value       = { for key, secret in google_secret_manager_secret.bot : key => secret.secret_id }
}

output "infra_ci_variables" {
  description = "GitHub Actions variables of the infra repository (Settings > Secrets and variables > Actions > Variables)."
  value = {
    GCP_WORKLOAD_IDENTITY_PROVIDER = google_iam_workload_identity_pool_provider.github.name
    GCP_PLAN_SERVICE_ACCOUNT       = google_service_account.infra_plan.email
    GCP_APPLY_SERVICE_ACCOUNT      = google_service_account.infra_apply.email
    TF_STATE_BUCKET                = google_storage_bucket.infra_state.name
  }
}

output "store_url" {
  description = "NOTEBOOK_BOT_STORE of the service (for notebook-bot doctor run from a laptop)."
  value       = local.store_url
}

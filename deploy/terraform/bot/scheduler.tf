# Reconcile is the safety net for crashes, outages and missed webhooks: every pass drives stuck
# requests forward, so a run that fails is simply covered by the next one.
resource "google_cloud_scheduler_job" "reconcile" {
  count = var.image == null ? 0 : 1

  project          = var.project
  region           = var.region
  name             = "${var.service_name}-reconcile"
  description      = "POST /tasks/reconcile on notebook-bot."
  schedule         = var.reconcile_schedule
  time_zone        = "Etc/UTC"
  attempt_deadline = "320s"

  retry_config {
    # The next scheduled run is the retry.
    retry_count = 0
  }

  http_target {
    http_method = "POST"
    uri         = local.reconcile_url

    # The bot verifies this token itself: Google-signed, this audience, this service account.
    oidc_token {
      service_account_email = google_service_account.reconcile_invoker.email
      audience              = local.reconcile_url
    }
  }

  depends_on = [google_cloud_run_v2_service.bot]
}

resource "google_artifact_registry_repository" "images" {
  project       = var.project
  location      = var.region
  repository_id = var.service_name
  format        = "DOCKER"
  description   = "notebook-bot container images (built from deploy/Dockerfile)."
  labels        = local.labels
  # Optional CMEK; Google-managed keys otherwise.
  kms_key_name = var.kms_key

  depends_on = [google_project_service.enabled]
}

locals {
  policy_dir = "/etc/notebook-bot"

  # Non-secret configuration (DESIGN §3). PORT is set by Cloud Run itself and may not be overridden.
  plain_env = merge(
    {
      NOTEBOOK_BOT_STORE              = local.store_url
      NOTEBOOK_BOT_REPO               = "github:${var.github_repo}"
      NOTEBOOK_BOT_CLOUD              = "gcp"
      NOTEBOOK_BOT_CONFIG             = "${local.policy_dir}/policy.yaml"
      NOTEBOOK_BOT_LOG_FORMAT         = "json"
      NOTEBOOK_BOT_THREADS            = tostring(var.threads)
      NOTEBOOK_BOT_RECONCILE_AUDIENCE = local.reconcile_url
      NOTEBOOK_BOT_RECONCILE_INVOKER  = google_service_account.reconcile_invoker.email
    },
    var.github_auth == "app" ? { GITHUB_APP_ID = var.github_app_id } : {},
    var.github_app_installation_id == null ? {} : { GITHUB_APP_INSTALLATION_ID = var.github_app_installation_id },
    var.github_api_url == null ? {} : { GITHUB_API_URL = var.github_api_url },
  )
}

resource "google_cloud_run_v2_service" "bot" {
  # Created on the second apply, once the secrets have values and the image exists (README steps 4-5).
  count = var.image == null ? 0 : 1

  project  = var.project
  name     = var.service_name
  location = var.region
  ingress  = "INGRESS_TRAFFIC_ALL"
  labels   = local.labels

  # Slack and GitHub cannot present Google credentials, so Cloud Run does not check any: every route checks
  # its caller itself (Slack and GitHub signatures, the Scheduler's OIDC token on /tasks/reconcile). This
  # instead of an allUsers invoker binding, which the Domain Restricted Sharing org policy refuses.
  invoker_iam_disabled = true

  template {
    service_account = google_service_account.bot.email
    labels          = merge(local.labels, { rollout = var.rollout })
    # Long enough for a reconcile pass; Slack and GitHub requests are acknowledged in well under a second.
    timeout = "300s"
    # One request per server thread: more would queue inside the instance instead of scaling out.
    max_instance_request_concurrency = var.threads

    scaling {
      min_instance_count = var.min_instances
      max_instance_count = var.max_instances
    }

    containers {
      image = var.image

      ports {
        container_port = 8080
      }

      resources {
        limits = {
          cpu    = var.cpu
          memory = var.memory
        }
        # CPU stays allocated between requests: the worker process serve starts in this container keeps
        # working after the server has acked Slack (the work after each ack is a job in Firestore).
        cpu_idle          = false
        startup_cpu_boost = true
      }

      dynamic "env" {
        for_each = local.plain_env
        content {
          name  = env.key
          value = env.value
        }
      }

      dynamic "env" {
        for_each = local.secret_env
        content {
          name = env.value
          value_source {
            secret_key_ref {
              secret  = google_secret_manager_secret.bot[env.key].secret_id
              version = "latest"
            }
          }
        }
      }

      volume_mounts {
        name       = "policy"
        mount_path = local.policy_dir
      }

      # /healthz fails without config or a reachable store, so a broken revision never takes traffic.
      # No liveness probe on it: restarting instances does not fix a Firestore outage, and it would
      # cut off work in progress.
      startup_probe {
        http_get {
          path = "/healthz"
        }
        period_seconds    = 2
        failure_threshold = 30
      }
    }

    volumes {
      name = "policy"
      secret {
        secret = google_secret_manager_secret.bot["policy"].secret_id
        items {
          version = "latest"
          path    = "policy.yaml"
        }
      }
    }
  }

  lifecycle {
    precondition {
      condition     = var.github_auth != "app" || var.github_app_id != null
      error_message = "github_auth = \"app\" needs github_app_id (the private key goes into Secret Manager)."
    }
  }

  # The revision must not start before it may read its secrets and database.
  depends_on = [
    google_secret_manager_secret_iam_member.bot_access,
    google_project_iam_member.bot_firestore,
    google_firestore_database.bot,
  ]
}

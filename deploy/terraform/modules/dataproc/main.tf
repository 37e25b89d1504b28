locals {
  labels = merge(var.labels, { "managed-by" = "notebook-bot" })

  # Personal cluster authentication: the cluster accepts work from this one user only, and
  # that work runs with their credentials once they run enable-personal-auth-session.
  properties = merge(
    { "dataproc:dataproc.personal-auth.user" = var.owner_email },
    var.worker_count == 0 ? { "dataproc:dataproc.allow.zero.workers" = "true" } : {},
  )
  metadata = var.display_name == "" ? {} : { "notebook-bot-display-name" = var.display_name }
}

resource "google_dataproc_cluster" "this" {
  project = var.project
  region  = var.region
  name    = var.name
  labels  = local.labels

  cluster_config {
    software_config {
      image_version       = var.image_version
      optional_components = ["JUPYTER"]
      override_properties = local.properties
    }

    # Component Gateway: JupyterLab is reached through Google's proxy, no open ports.
    endpoint_config {
      enable_http_port_access = true
    }

    # An idle cluster stops itself, and the owner starts it again from Slack. Never idle_delete_ttl:
    # a cluster Google deletes while this file exists is recreated by the next apply of the root
    # (anyone's environment, a module change). Only the end of its lifetime deletes it, by removing
    # this file through a pull request.
    lifecycle_config {
      idle_stop_ttl = "${var.idle_stop_ttl_seconds}s"
    }

    dynamic "encryption_config" {
      for_each = var.kms_key == null ? [] : [var.kms_key]
      content {
        kms_key_name = encryption_config.value
      }
    }

    master_config {
      num_instances = 1
      machine_type  = var.master_machine_type

      disk_config {
        boot_disk_size_gb = var.master_disk_gb
      }
    }

    dynamic "worker_config" {
      for_each = var.worker_count > 0 ? [var.worker_count] : []
      content {
        num_instances = worker_config.value
        machine_type  = var.worker_machine_type

        disk_config {
          boot_disk_size_gb = var.worker_disk_gb
        }
      }
    }

    gce_cluster_config {
      zone             = var.zone
      network          = var.subnet == null ? var.network : null
      subnetwork       = var.subnet
      internal_ip_only = var.internal_ip_only
      service_account  = var.service_account
      metadata         = local.metadata

      shielded_instance_config {
        enable_secure_boot          = true
        enable_vtpm                 = true
        enable_integrity_monitoring = true
      }
    }
  }

  lifecycle {
    # Every gce_cluster_config change replaces the cluster; the display name is informational,
    # so a later rename must not delete the user's cluster.
    ignore_changes = [cluster_config[0].gce_cluster_config[0].metadata]

    precondition {
      condition     = var.network == null || var.subnet == null
      error_message = "Give network or subnet, not both."
    }
  }
}

# The owner's own access, on this cluster only (never project-wide, never _binding): enough to put
# their credentials on it (enable-personal-auth-session) and to reach JupyterLab through the gateway.
resource "google_dataproc_cluster_iam_member" "owner" {
  count = var.owner_role == null ? 0 : 1

  project = var.project
  region  = var.region
  cluster = google_dataproc_cluster.this.name
  role    = var.owner_role
  member  = "user:${var.owner_email}"
}

locals {
  # Never proxy-mode or proxy-user-mail: Workbench reserves them and derives them from
  # instance_owners; setting them by hand breaks single-user access.
  metadata = {
    "idle-timeout-seconds"      = tostring(var.idle_minutes * 60)
    "notebook-bot-display-name" = var.display_name == "" ? var.name : var.display_name
  }
  labels = merge(var.labels, { "managed-by" = "notebook-bot" })
}

resource "google_workbench_instance" "this" {
  project  = var.project
  name     = var.name
  location = var.zone

  # Single user: only this person can open JupyterLab. Input-only and immutable.
  instance_owners = [var.owner_email]
  # Notebook code runs with the owner's own Google credentials, not the VM's service account.
  # Managed EUC refuses a custom service account: the VM keeps the Compute Engine default.
  enable_managed_euc = true
  # Started at creation. ignore_changes below keeps Terraform from stopping or starting it on its
  # own, but any in-place update of this instance (labels, metadata, machine type...) makes the
  # provider start an idle-stopped instance again. See README, "Idle shutdown and desired_state".
  desired_state = "ACTIVE"

  labels = local.labels

  gce_setup {
    machine_type      = var.machine_type
    disable_public_ip = var.disable_public_ip
    metadata          = local.metadata

    dynamic "accelerator_configs" {
      for_each = var.gpu_type == null ? [] : [var.gpu_type]
      content {
        type       = accelerator_configs.value
        core_count = var.gpu_count
      }
    }

    dynamic "vm_image" {
      for_each = var.image_family == null ? [] : [var.image_family]
      content {
        project = var.image_project
        family  = vm_image.value
      }
    }

    boot_disk {
      disk_size_gb    = var.boot_disk_gb
      disk_type       = "PD_BALANCED"
      disk_encryption = var.kms_key == null ? null : "CMEK"
      kms_key         = var.kms_key
    }

    data_disks {
      disk_size_gb    = var.data_disk_gb
      disk_type       = "PD_BALANCED"
      disk_encryption = var.kms_key == null ? null : "CMEK"
      kms_key         = var.kms_key
    }

    dynamic "network_interfaces" {
      for_each = var.network == null ? [] : [var.network]
      content {
        network = network_interfaces.value
        subnet  = var.subnet
      }
    }

    shielded_instance_config {
      # Off for GPU images whose drivers are unsigned (the template's secure_boot setting).
      enable_secure_boot          = var.secure_boot
      enable_vtpm                 = true
      enable_integrity_monitoring = true
    }
  }

  lifecycle {
    ignore_changes = [desired_state]

    precondition {
      condition     = (var.gpu_type == null) == (var.gpu_count == 0)
      error_message = "Set gpu_type and a gpu_count of 1-8 together, or neither."
    }
    precondition {
      condition     = (var.image_project == null) == (var.image_family == null)
      error_message = "Set image_project and image_family together, or neither."
    }
    precondition {
      condition     = (var.network == null) == (var.subnet == null)
      error_message = "Set network and subnet together, or neither."
    }
    precondition {
      condition     = startswith(var.zone, "${var.region}-")
      error_message = "zone must be in region."
    }
  }
}

# Distributed Spark from the user's own notebook: sessions created from this template run
# with the owner's end-user credentials, so data access is theirs, not a service account's.
resource "google_dataproc_session_template" "spark" {
  count = var.spark_serverless ? 1 : 0

  project  = var.project
  location = var.region
  name     = "projects/${var.project}/locations/${var.region}/sessionTemplates/${var.name}-spark"
  labels   = local.labels

  runtime_config {
    version = var.spark_runtime_version
  }

  environment_config {
    execution_config {
      idle_ttl       = "${var.spark_idle_ttl_seconds}s"
      subnetwork_uri = var.subnet

      authentication_config {
        user_workload_authentication_type = "END_USER_CREDENTIALS"
      }
    }
  }

  jupyter_session {
    kernel       = "PYTHON"
    display_name = "Spark (${var.name})"
  }
}

# Workbench asks a single user who did not create the instance (here CI created it) for
# roles/iam.serviceAccountUser on the VM's service account. A plain member grant would be shared
# by all of this owner's environments, and removing one environment would take it from the others:
# the condition, titled with this instance, makes the grant this environment's own.
data "google_compute_default_service_account" "vm" {
  count   = var.grant_owner_service_account_user ? 1 : 0
  project = var.project
}

resource "google_service_account_iam_member" "owner_acts_as_vm" {
  count = var.grant_owner_service_account_user ? 1 : 0

  service_account_id = data.google_compute_default_service_account.vm[0].name
  role               = "roles/iam.serviceAccountUser"
  member             = "user:${var.owner_email}"

  condition {
    title       = "notebook-bot ${var.name}"
    description = "Owner of Workbench instance ${var.name}, granted by notebook-bot"
    expression  = "request.time < timestamp(\"2999-01-01T00:00:00Z\")"
  }
}

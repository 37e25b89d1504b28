variable "name" {
  description = "Instance name, as rendered by notebook-bot (nb-<user>-<hash>)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$", var.name))
    error_message = "name must be a lowercase GCP resource name of at most 63 characters."
  }
}

variable "project" {
  description = "Project that holds the instance."
  type        = string
}

variable "region" {
  description = "Region of the zone; used for the optional Serverless Spark session template."
  type        = string
}

variable "zone" {
  description = "Zone of the instance, e.g. europe-west1-b."
  type        = string

  validation {
    condition     = can(regex("^[a-z]+(-[a-z]+)+[0-9]+-[a-z]$", var.zone))
    error_message = "zone must be a zone such as europe-west1-b."
  }
}

variable "owner_email" {
  description = "The single user who may open JupyterLab; the instance runs notebooks with their credentials."
  type        = string

  validation {
    condition     = can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.owner_email))
    error_message = "owner_email must be an email address."
  }
}

variable "display_name" {
  description = "The user's own name for the environment, kept in instance metadata (notebook-bot-display-name)."
  type        = string
  default     = ""
}

variable "machine_type" {
  description = "Compute Engine machine type."
  type        = string
  default     = "e2-standard-4"
}

variable "gpu_type" {
  description = "Accelerator type such as NVIDIA_TESLA_T4, or null for none."
  type        = string
  default     = null

  validation {
    # A conditional, not ||: Terraform evaluates both sides of ||, and contains() fails on null.
    condition = var.gpu_type == null ? true : contains([
      "NVIDIA_TESLA_P100", "NVIDIA_TESLA_V100", "NVIDIA_TESLA_P4", "NVIDIA_TESLA_T4", "NVIDIA_TESLA_A100",
      "NVIDIA_A100_80GB", "NVIDIA_L4", "NVIDIA_H100_80GB", "NVIDIA_H100_MEGA_80GB", "NVIDIA_H200_141GB",
      "NVIDIA_B200", "NVIDIA_RTX6000", "NVIDIA_TESLA_T4_VWS", "NVIDIA_TESLA_P100_VWS", "NVIDIA_TESLA_P4_VWS",
    ], var.gpu_type)
    error_message = "gpu_type must be an accelerator Workbench offers, such as NVIDIA_TESLA_T4 or NVIDIA_L4."
  }
}

variable "gpu_count" {
  description = "Number of accelerators (0 when gpu_type is null)."
  type        = number
  default     = 0

  validation {
    condition     = var.gpu_count >= 0 && var.gpu_count <= 8 && floor(var.gpu_count) == var.gpu_count
    error_message = "gpu_count must be a whole number from 0 to 8."
  }
}

variable "boot_disk_gb" {
  description = "Boot disk size in GB."
  type        = number
  default     = 150

  validation {
    condition     = var.boot_disk_gb >= 150 && var.boot_disk_gb <= 64000
    error_message = "boot_disk_gb must be between 150 and 64000."
  }
}

variable "data_disk_gb" {
  description = "Data disk (home directory) size in GB."
  type        = number
  default     = 100

  validation {
    condition     = var.data_disk_gb >= 10 && var.data_disk_gb <= 64000
    error_message = "data_disk_gb must be between 10 and 64000."
  }
}

variable "image_project" {
  description = "Project of a custom VM image family, or null for the default Workbench image."
  type        = string
  default     = null
}

variable "image_family" {
  description = "Custom VM image family, or null for the default Workbench image."
  type        = string
  default     = null
}

variable "disable_public_ip" {
  description = "Give the VM no external IP (needs Private Google Access or Cloud NAT on the subnet)."
  type        = bool
  default     = true
}

variable "network" {
  description = "VPC network name or path; null uses the project's default network."
  type        = string
  default     = null
}

variable "subnet" {
  description = "Subnetwork name or path; set together with network."
  type        = string
  default     = null
}

variable "secure_boot" {
  description = "Shielded VM Secure Boot. Turn it off for GPU images whose NVIDIA drivers are not signed, or the drivers do not load."
  type        = bool
  default     = true
}

variable "kms_key" {
  description = "Cloud KMS key (projects/P/locations/L/keyRings/R/cryptoKeys/K) for the boot and data disks, or null for Google-managed encryption. The Compute Engine service agent needs roles/cloudkms.cryptoKeyEncrypterDecrypter on it."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key == null || can(regex("^projects/[a-z][a-z0-9-]{4,28}[a-z0-9]/locations/[a-z0-9-]+/keyRings/[A-Za-z0-9_-]{1,63}/cryptoKeys/[A-Za-z0-9_-]{1,63}$", var.kms_key))
    error_message = "kms_key must be a Cloud KMS key: projects/P/locations/L/keyRings/R/cryptoKeys/K."
  }
}

variable "grant_owner_service_account_user" {
  description = "Grant the owner roles/iam.serviceAccountUser on the VM's service account (the Compute Engine default), which Workbench asks of a single user who did not create the instance. The grant is conditional and titled with this instance, so it is this environment's own and leaves with it. Off when users hold it another way (deploy/terraform/bot grants it to var.notebook_users); on, the apply identity needs iam.serviceAccounts.getIamPolicy and setIamPolicy on that account."
  type        = bool
  default     = false
}

variable "idle_minutes" {
  description = "Stop the instance after this many idle minutes (Workbench idle shutdown)."
  type        = number
  default     = 180

  validation {
    condition     = var.idle_minutes >= 10 && var.idle_minutes <= 1440
    error_message = "idle_minutes must be between 10 and 1440."
  }
}

variable "spark_serverless" {
  description = "Also create a Serverless Spark session template that runs as the owner (end-user credentials)."
  type        = bool
  default     = false
}

variable "spark_runtime_version" {
  description = "Serverless Spark runtime for the session template."
  type        = string
  default     = "3.0"
}

variable "spark_idle_ttl_seconds" {
  description = "Serverless Spark sessions end after this many idle seconds."
  type        = number
  default     = 3600

  validation {
    condition     = var.spark_idle_ttl_seconds >= 600 && var.spark_idle_ttl_seconds <= 1209600
    error_message = "spark_idle_ttl_seconds must be between 600 (10 minutes) and 1209600 (14 days)."
  }
}

variable "labels" {
  description = "Labels for cost allocation (owner, request-id, template, managed-by, team...)."
  type        = map(string)
  default     = {}
}

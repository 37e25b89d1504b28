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
    condition     = var.gpu_type == null || can(regex("^NVIDIA_[A-Z0-9_]+$", var.gpu_type))
    error_message = "gpu_type must be an accelerator type such as NVIDIA_TESLA_T4."
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

variable "service_account" {
  description = "Service account for the VM, or null for the Compute Engine default. The owner needs roles/iam.serviceAccountUser on it."
  type        = string
  default     = null
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

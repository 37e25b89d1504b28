variable "name" {
  description = "Cluster name, as rendered by notebook-bot (nb-<user>-<hash>); Dataproc allows 51 characters."
  type        = string

  validation {
    condition     = can(regex("^[a-z]([-a-z0-9]{0,49}[a-z0-9])?$", var.name))
    error_message = "name must be a lowercase GCP resource name of at most 51 characters."
  }
}

variable "project" {
  description = "Project that holds the cluster."
  type        = string
}

variable "region" {
  description = "Dataproc region, e.g. europe-west1."
  type        = string
}

variable "zone" {
  description = "Zone for the cluster VMs, or null to let Dataproc Auto Zone Placement choose."
  type        = string
  default     = null
}

variable "owner_email" {
  description = "The only user whose credentials the cluster runs with (Dataproc personal cluster authentication)."
  type        = string

  validation {
    condition     = can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.owner_email))
    error_message = "owner_email must be an email address."
  }
}

variable "display_name" {
  description = "The user's own name for the environment, kept in VM metadata (notebook-bot-display-name)."
  type        = string
  default     = ""
}

variable "image_version" {
  description = "Dataproc image, 2.2 or 2.3 (e.g. 2.2-debian12)."
  type        = string
  default     = "2.2-debian12"

  validation {
    condition     = can(regex("^2\\.[23](\\.[0-9]+)?(-(debian12|ubuntu22|rocky9))?$", var.image_version))
    error_message = "image_version must be a supported image: 2.2 or 2.3."
  }
}

variable "master_machine_type" {
  description = "Machine type of the master node."
  type        = string
  default     = "n2-standard-4"
}

variable "master_disk_gb" {
  description = "Boot disk size of the master node in GB."
  type        = number
  default     = 100

  validation {
    condition     = var.master_disk_gb >= 30 && var.master_disk_gb <= 64000
    error_message = "master_disk_gb must be between 30 and 64000."
  }
}

variable "worker_machine_type" {
  description = "Machine type of the worker nodes."
  type        = string
  default     = "n2-standard-4"
}

variable "worker_count" {
  description = "Number of primary workers: 0 for a single-node cluster, otherwise at least 2."
  type        = number
  default     = 0

  validation {
    condition     = var.worker_count == 0 || (var.worker_count >= 2 && var.worker_count <= 1000 && floor(var.worker_count) == var.worker_count)
    error_message = "worker_count must be 0 (single node) or a whole number from 2 to 1000."
  }
}

variable "worker_disk_gb" {
  description = "Boot disk size of each worker in GB."
  type        = number
  default     = 100

  validation {
    condition     = var.worker_disk_gb >= 30 && var.worker_disk_gb <= 64000
    error_message = "worker_disk_gb must be between 30 and 64000."
  }
}

variable "network" {
  description = "VPC network name or path (give network or subnet, not both); null uses the default network."
  type        = string
  default     = null
}

variable "subnet" {
  description = "Subnetwork name or path; it needs Private Google Access, since the VMs have internal IPs only."
  type        = string
  default     = null
}

variable "internal_ip_only" {
  description = "Give the cluster VMs internal IP addresses only."
  type        = bool
  default     = true
}

variable "service_account" {
  description = "VM service account, or null for the Compute Engine default. User code runs with the owner's credentials either way."
  type        = string
  default     = null
}

variable "kms_key" {
  description = "Cloud KMS key (projects/P/locations/L/keyRings/R/cryptoKeys/K) for the cluster's disks, or null for Google-managed encryption. The Dataproc and Compute Engine service agents need roles/cloudkms.cryptoKeyEncrypterDecrypter on it."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key == null || can(regex("^projects/[a-z][a-z0-9-]{4,28}[a-z0-9]/locations/[a-z0-9-]+/keyRings/[A-Za-z0-9_-]{1,63}/cryptoKeys/[A-Za-z0-9_-]{1,63}$", var.kms_key))
    error_message = "kms_key must be a Cloud KMS key: projects/P/locations/L/keyRings/R/cryptoKeys/K."
  }
}

variable "idle_stop_ttl_seconds" {
  description = "Stop the cluster after this many idle seconds (600 to 1209600). The owner starts it again from Slack; only the end of its lifetime deletes it."
  type        = number
  default     = 10800

  validation {
    condition     = var.idle_stop_ttl_seconds >= 600 && var.idle_stop_ttl_seconds <= 1209600
    error_message = "idle_stop_ttl_seconds must be between 600 (10 minutes) and 1209600 (14 days)."
  }
}

variable "owner_role" {
  description = "Role the owner gets on this cluster only (one holding dataproc.clusters.use, which enable-personal-auth-session and Component Gateway need, e.g. roles/dataproc.editor or a custom role), or null when users hold it another way (deploy/terraform/bot grants it to var.notebook_users). Granting here needs dataproc.clusters.getIamPolicy and setIamPolicy for the apply identity."
  type        = string
  default     = null
}

variable "labels" {
  description = "Labels for cost allocation (owner, request-id, template, managed-by, team...)."
  type        = map(string)
  default     = {}
}

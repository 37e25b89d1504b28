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
    condition     = var.master_disk_gb >= 30
    error_message = "master_disk_gb must be at least 30."
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
    condition     = var.worker_count == 0 || (var.worker_count >= 2 && floor(var.worker_count) == var.worker_count)
    error_message = "worker_count must be 0 (single node) or a whole number of at least 2."
  }
}

variable "worker_disk_gb" {
  description = "Boot disk size of each worker in GB."
  type        = number
  default     = 100

  validation {
    condition     = var.worker_disk_gb >= 30
    error_message = "worker_disk_gb must be at least 30."
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

variable "idle_delete_ttl_seconds" {
  description = "Delete the cluster after this many idle seconds (300 to 1209600)."
  type        = number
  default     = 10800

  validation {
    condition     = var.idle_delete_ttl_seconds >= 300 && var.idle_delete_ttl_seconds <= 1209600
    error_message = "idle_delete_ttl_seconds must be between 300 (5 minutes) and 1209600 (14 days)."
  }
}

variable "labels" {
  description = "Labels for cost allocation (owner, request-id, template, managed-by, team...)."
  type        = map(string)
  default     = {}
}

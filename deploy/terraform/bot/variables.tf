variable "project" {
  description = "Project that runs the bot: Cloud Run, Firestore, Secret Manager, Scheduler, CI identity."
  type        = string
}

variable "region" {
  description = "Region for Cloud Run, Artifact Registry, Cloud Scheduler and (by default) Firestore."
  type        = string
  default     = "europe-west1"
}

variable "environments_project" {
  description = "Project where users' environments live (policy gcp.project). Recommended: a project of its own, so that deploying environments can never touch the bot's secrets or database. Defaults to var.project."
  type        = string
  default     = null
}

variable "service_name" {
  description = "Cloud Run service name; also part of the service URL."
  type        = string
  default     = "notebook-bot"
}

variable "image" {
  description = "Container image to run. Leave null on the first apply: secrets need values and the image must exist before the service can start."
  type        = string
  default     = null
}

variable "min_instances" {
  description = "Instances kept warm. At least 1: work continues after Slack's ack, and a cold start must not eat Slack's 3 s."
  type        = number
  default     = 1

  validation {
    condition     = var.min_instances >= 1
    error_message = "min_instances must be at least 1 (see the description)."
  }
}

variable "max_instances" {
  description = "Upper bound on instances; the store makes them safe to run side by side."
  type        = number
  default     = 4
}

variable "threads" {
  description = "Server threads per instance (NOTEBOOK_BOT_THREADS); also the request concurrency per instance."
  type        = number
  default     = 32
}

variable "cpu" {
  description = "vCPUs per instance."
  type        = string
  default     = "1"
}

variable "memory" {
  description = "Memory per instance."
  type        = string
  default     = "1Gi"
}

variable "github_repo" {
  description = "Infrastructure repository as OWNER/NAME: the bot opens pull requests there. CI trust follows github_repository_id, not this name."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repo))
    error_message = "github_repo must look like OWNER/NAME."
  }
}

variable "github_auth" {
  description = "How the bot authenticates to GitHub: \"app\" (GITHUB_APP_ID + private key, recommended) or \"token\" (GITHUB_TOKEN)."
  type        = string
  default     = "app"

  validation {
    condition     = contains(["app", "token"], var.github_auth)
    error_message = "github_auth must be \"app\" or \"token\"."
  }
}

variable "github_app_id" {
  description = "GitHub App ID (not a secret). Required when github_auth = \"app\"."
  type        = string
  default     = null
}

variable "github_app_installation_id" {
  description = "GitHub App installation ID; the bot looks it up from the repository when null."
  type        = string
  default     = null
}

variable "github_api_url" {
  description = "GitHub Enterprise Server API URL, e.g. https://github.example.com/api/v3. Null for github.com."
  type        = string
  default     = null
}

variable "github_oidc_issuer" {
  description = "OIDC issuer of the CI's GitHub (GHES: https://HOST/_services/token)."
  type        = string
  default     = "https://token.actions.githubusercontent.com"
}

variable "firestore_database" {
  description = "Firestore database ID. A named database keeps the bot's data apart from any (default) database."
  type        = string
  default     = "notebook-bot"
}

variable "firestore_location" {
  description = "Firestore location (region or multi-region such as eur3). Defaults to var.region."
  type        = string
  default     = null
}

variable "secret_ids" {
  description = "Secret Manager secret IDs. Terraform creates the secrets; an admin adds the values (see README)."
  type = object({
    slack_bot_token       = optional(string, "notebook-bot-slack-bot-token")
    slack_signing_secret  = optional(string, "notebook-bot-slack-signing-secret")
    github_credential     = optional(string, "notebook-bot-github-credential")
    github_webhook_secret = optional(string, "notebook-bot-github-webhook-secret")
    policy                = optional(string, "notebook-bot-policy")
  })
  default = {}
}

variable "reconcile_schedule" {
  description = "Cron schedule (UTC) of the reconcile pass that drives stuck requests forward."
  type        = string
  default     = "*/5 * * * *"
}

variable "public_url" {
  description = "Base URL Slack and GitHub use (a custom domain). Null: Cloud Run's deterministic https://SERVICE-PROJECT_NUMBER.REGION.run.app."
  type        = string
  default     = null
}

variable "rollout" {
  description = "Change this value to roll a new revision, e.g. after adding new secret versions (env secrets are read at instance start)."
  type        = string
  default     = "initial"

  validation {
    condition     = can(regex("^[a-z0-9_-]{1,63}$", var.rollout))
    error_message = "rollout is a label value: 1-63 lowercase letters, digits, '-' or '_'."
  }
}

variable "infra_ci_plan_roles" {
  description = "Roles in the environments project for the CI identity that plans pull requests: viewers of what a plan reads (Workbench instances, Dataproc clusters and session templates)."
  type        = list(string)
  default = [
    "roles/notebooks.viewer",
    "roles/dataproc.viewer",
    "roles/serviceusage.serviceUsageConsumer",
  ]
}

variable "infra_ci_apply_extra_permissions" {
  description = "Permissions added to the apply identity's custom role, for modules that create more than Workbench instances, Dataproc clusters and session templates."
  type        = list(string)
  default     = []
}

variable "vm_service_accounts" {
  description = "Service accounts the environments' VMs run as (templates' dataproc.service_account). The apply identity and the notebook users may act as these only. Null: the environments project's Compute Engine default service account, which Workbench instances with managed end-user credentials always use."
  type        = list(string)
  default     = null
}

variable "notebook_users" {
  description = "Who may have environments, as IAM members (e.g. [\"group:data-scientists@example.com\"]). They get the custom role notebookBotUser in the environments project (use their Dataproc clusters and Spark sessions) and may act as the VM service accounts. Empty: grant it yourself."
  type        = list(string)
  default     = []
}

variable "github_repository_id" {
  description = "Numeric ID of the infra repository (gh api repos/OWNER/NAME --jq .id). Trust follows the ID, so a repository deleted and re-created under the same name is not trusted."
  type        = string

  validation {
    condition     = can(regex("^[0-9]+$", var.github_repository_id))
    error_message = "github_repository_id is a number: gh api repos/OWNER/NAME --jq .id"
  }
}

variable "github_repository_owner_id" {
  description = "Numeric ID of the infra repository's owner (gh api repos/OWNER/NAME --jq .owner.id)."
  type        = string

  validation {
    condition     = can(regex("^[0-9]+$", var.github_repository_owner_id))
    error_message = "github_repository_owner_id is a number: gh api repos/OWNER/NAME --jq .owner.id"
  }
}

variable "apply_workflow" {
  description = "The one workflow (path@ref in the infra repository) that may act as the deployer."
  type        = string
  default     = ".github/workflows/apply.yml@refs/heads/main"
}

variable "environments_network" {
  description = "Create the VPC network environments use (policy gcp.network / gcp.subnet): network and subnet named \"notebooks\" in var.region, Private Google Access on. False: bring your own."
  type        = bool
  default     = true
}

variable "environments_subnet_cidr" {
  description = "IP range of the environments' subnet."
  type        = string
  default     = "10.128.0.0/20"
}

variable "environments_nat" {
  description = "Add Cloud NAT so notebooks without public IPs can reach the internet (pip install, GitHub). Google APIs work without it (Private Google Access)."
  type        = bool
  default     = false
}

variable "kms_key" {
  description = "Cloud KMS key (projects/P/locations/REGION/keyRings/R/cryptoKeys/K) for Artifact Registry images. Null: Google-managed encryption. Artifact Registry's service agent needs roles/cloudkms.cryptoKeyEncrypterDecrypter on it."
  type        = string
  default     = null
}

variable "firestore_weekly_backup_weeks" {
  description = "Weeks each weekly Firestore backup is kept (1-14); daily backups are kept 7 days, Firestore's maximum for them."
  type        = number
  default     = 14

  validation {
    condition     = var.firestore_weekly_backup_weeks >= 1 && var.firestore_weekly_backup_weeks <= 14
    error_message = "firestore_weekly_backup_weeks must be between 1 and 14 (Firestore keeps weekly backups up to 14 weeks)."
  }
}

variable "labels" {
  description = "Labels added to the resources that take them (cost allocation)."
  type        = map(string)
  default     = {}
}

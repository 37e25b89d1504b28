terraform {
  required_version = ">= 1.5"

  required_providers {
    google = {
      source = "hashicorp/google"
      # Same range as deploy/terraform/modules: google_workbench_instance with
      # enable_managed_euc, google_dataproc_session_template with end-user credentials.
      version = ">= 6.46, < 9"
    }
  }
}

# Every environment file passes its own project and location, so the provider needs no
# defaults; credentials come from the CI workload identity.
provider "google" {}

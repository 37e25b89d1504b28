terraform {
  # optional() object attributes need 1.3; 1.5 is the oldest release still commonly in CI images.
  required_version = ">= 1.5"

  required_providers {
    google = {
      source = "hashicorp/google"
      # Same range as the environment modules (DESIGN §4): Workbench instances need >= 6.46.
      version = ">= 6.46, < 9"
    }
  }
}

provider "google" {
  project = var.project
  region  = var.region
}

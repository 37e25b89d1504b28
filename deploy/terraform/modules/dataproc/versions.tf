terraform {
  # lifecycle preconditions need 1.2; 1.5 is the oldest release still in common CI images.
  required_version = ">= 1.5"

  required_providers {
    google = {
      source = "hashicorp/google"
      # One range for both notebook-bot modules, so an infrastructure root can use them together;
      # the next major may remove or rename arguments.
      version = ">= 6.46, < 9"
    }
  }
}

terraform {
  # lifecycle preconditions need 1.2; 1.5 is the oldest release still in common CI images.
  required_version = ">= 1.5"

  required_providers {
    google = {
      source = "hashicorp/google"
      # 6.46 has enable_managed_euc on google_workbench_instance and authentication_config on
      # google_dataproc_session_template; the next major may remove or rename arguments.
      version = ">= 6.46, < 9"
    }
  }
}

# Managed by notebook-bot: one environment per file. The bot rewrites or removes this file;
# change the template in the policy or the module instead of editing it here.
module "nb-alice-yuihbfkuhi" {
  source = "git::https://github.com/acme/tf-modules.git//notebook-bot/workbench?ref=v1.4.0"

  name         = "nb-alice-yuihbfkuhi"
  project      = "acme-analytics"
  region       = "europe-west1"
  zone         = "europe-west1-b"
  owner_email  = "alice@example.com"
  display_name = "Churn model"

  machine_type      = "e2-standard-4"
  gpu_type          = null
  gpu_count         = 0
  boot_disk_gb      = 150
  data_disk_gb      = 100
  image_project     = null
  image_family      = null
  disable_public_ip = true
  secure_boot       = true
  kms_key           = null
  network           = null
  subnet            = null

  idle_minutes     = 180
  spark_serverless = false

  labels = {
    "cost-centre" = "cc-4711"
    "managed-by"  = "notebook-bot"
    "owner"       = "alice_example_com"
    "request-id"  = "r7k3m9qx2a"
    "team"        = "ml-platform"
    "template"    = "cpu-small"
  }
}

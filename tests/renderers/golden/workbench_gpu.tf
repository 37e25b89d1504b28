# Managed by notebook-bot: one environment per file. The bot rewrites or removes this file;
# change the template in the policy or the module instead of editing it here.
module "nb-alice-yuihbfkuhi" {
  source = "../modules/workbench"

  name         = "nb-alice-yuihbfkuhi"
  project      = "acme-analytics"
  region       = "europe-west1"
  zone         = "europe-west1-b"
  owner_email  = "alice@example.com"
  display_name = "Churn model"

  machine_type      = "n1-standard-8"
  gpu_type          = "NVIDIA_TESLA_T4"
  gpu_count         = 1
  boot_disk_gb      = 200
  data_disk_gb      = 100
  image_project     = "deeplearning-platform-release"
  image_family      = "common-cu123-notebooks"
  disable_public_ip = true
  secure_boot       = false
  kms_key           = "projects/acme-keys/locations/europe-west1/keyRings/notebooks/cryptoKeys/disks"
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
    "template"    = "gpu-t4"
  }
}

# Managed by notebook-bot: one environment per file. The bot rewrites or removes this file;
# change the template in the policy or the module instead of editing it here.
module "nb-bob-smith-cp4rzon5ij" {
  source = "../modules/dataproc"

  name         = "nb-bob-smith-cp4rzon5ij"
  project      = "acme-analytics"
  region       = "europe-west1"
  zone         = null
  owner_email  = "bob.smith@example.org"
  display_name = ""

  image_version         = "2.3-debian12"
  master_machine_type   = "n2-standard-4"
  master_disk_gb        = 100
  worker_machine_type   = "n2-highmem-8"
  worker_count          = 4
  worker_disk_gb        = 100
  network               = null
  subnet                = "dataproc-ew1"
  service_account       = "dataproc-vm@acme-analytics.iam.gserviceaccount.com"
  kms_key               = "projects/acme-keys/locations/europe-west1/keyRings/notebooks/cryptoKeys/disks"
  idle_stop_ttl_seconds = 7200

  labels = {
    "cost-centre" = "cc-4711"
    "managed-by"  = "notebook-bot"
    "owner"       = "bob_smith_example_org"
    "request-id"  = "q4p7x2m9ha"
    "team"        = "ml-platform"
    "template"    = "spark-small"
  }
}

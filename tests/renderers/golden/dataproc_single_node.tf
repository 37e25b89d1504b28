# Managed by notebook-bot: one environment per file. The bot rewrites or removes this file;
# change the template in the policy or the module instead of editing it here.
module "nb-alice-yuihbfkuhi" {
  source = "../modules/dataproc"

  name         = "nb-alice-yuihbfkuhi"
  project      = "acme-analytics"
  region       = "europe-west1"
  zone         = "europe-west1-c"
  owner_email  = "alice@example.com"
  display_name = "Churn model"

  image_version         = "2.2-debian12"
  master_machine_type   = "n2-standard-4"
  master_disk_gb        = 100
  worker_machine_type   = "n2-standard-4"
  worker_count          = 0
  worker_disk_gb        = 100
  network               = null
  subnet                = null
  service_account       = null
  kms_key               = null
  idle_stop_ttl_seconds = 3600

  labels = {
    "cost-centre" = "cc-4711"
    "managed-by"  = "notebook-bot"
    "owner"       = "alice_example_com"
    "request-id"  = "r7k3m9qx2a"
    "team"        = "ml-platform"
    "template"    = "spark-small"
  }
}

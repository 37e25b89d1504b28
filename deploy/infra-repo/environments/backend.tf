terraform {
  backend "gcs" {
    # Replace with the state bucket of this infrastructure repository (versioning on).
    bucket = "REPLACE-ME-notebook-bot-tfstate"
    # One prefix per Terraform root; a sharded layout uses environments/shard-NN.
    prefix = "environments"
  }
}

# Added by CI to a root that declares no backend of its own (new shards written by the bot contain only
# environment files). The workflows supply bucket = vars.TF_STATE_BUCKET and prefix = the root's path.
terraform {
  backend "gcs" {}
}

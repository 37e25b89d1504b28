# Copied by plan.yml into a root whose state does not exist yet (a new shard): the plan runs against an
# empty local state instead of asking the GCS backend to create one, which the read-only plan identity may
# not do. The first apply on main creates the real state.
terraform {
  backend "local" {}
}

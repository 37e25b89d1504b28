# The VPC the environments use (policy gcp.network / gcp.subnet): network "notebooks" with one subnet
# "notebooks" in var.region. VMs have internal IPs only, so the subnet has Private Google Access (Google
# APIs, Component Gateway, the Workbench proxy); Cloud NAT is optional, for pip and GitHub.

resource "google_compute_network" "notebooks" {
  count = var.environments_network ? 1 : 0

  project                 = local.environments_project
  name                    = "notebooks"
  description             = "notebook-bot environments (Workbench instances, Dataproc clusters)."
  auto_create_subnetworks = false

  depends_on = [google_project_service.enabled]
}

resource "google_compute_subnetwork" "notebooks" {
  count = var.environments_network ? 1 : 0

  project                  = local.environments_project
  name                     = "notebooks"
  region                   = var.region
  network                  = google_compute_network.notebooks[0].id
  ip_cidr_range            = var.environments_subnet_cidr
  private_ip_google_access = true

  log_config {
    aggregation_interval = "INTERVAL_10_MIN"
    flow_sampling        = 0.5
    metadata             = "INCLUDE_ALL_METADATA"
  }
}

# Dataproc nodes talk to each other on every port (HDFS, YARN, Spark); nothing else may reach them.
resource "google_compute_firewall" "notebooks_internal" {
  count = var.environments_network ? 1 : 0

  project       = local.environments_project
  name          = "notebooks-allow-internal"
  network       = google_compute_network.notebooks[0].name
  direction     = "INGRESS"
  source_ranges = [var.environments_subnet_cidr]

  allow {
    protocol = "tcp"
  }
  allow {
    protocol = "udp"
  }
  allow {
    protocol = "icmp"
  }
}

resource "google_compute_router" "notebooks" {
  count = var.environments_network && var.environments_nat ? 1 : 0

  project = local.environments_project
  name    = "notebooks"
  region  = var.region
  network = google_compute_network.notebooks[0].id
}

resource "google_compute_router_nat" "notebooks" {
  count = var.environments_network && var.environments_nat ? 1 : 0

  project                            = local.environments_project
  name                               = "notebooks"
  region                             = var.region
  router                             = google_compute_router.notebooks[0].name
  nat_ip_allocate_option             = "AUTO_ONLY"
  source_subnetwork_ip_ranges_to_nat = "ALL_SUBNETWORKS_ALL_IP_RANGES"

  log_config {
    enable = true
    filter = "ERRORS_ONLY"
  }
}

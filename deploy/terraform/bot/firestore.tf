resource "google_firestore_database" "bot" {
  project     = var.project
  name        = var.firestore_database
  location_id = local.firestore_location
  type        = "FIRESTORE_NATIVE"

  # Requests and the audit trail live here: refuse deletion from the console or API as well.
  delete_protection_state = "DELETE_PROTECTION_ENABLED"
  # Reads of any minute in the last 7 days: the way back from a bad write or a bad migration.
  point_in_time_recovery_enablement = "POINT_IN_TIME_RECOVERY_ENABLED"

  depends_on = [google_project_service.enabled]
}

locals {
  # deploy/firestore/indexes.json is the one source of truth (also usable with the Firebase CLI).
  firestore_indexes = {
    for index in jsondecode(file("${path.module}/../../firestore/indexes.json")).indexes :
    "${index.collectionGroup}:${join(",", [for field in index.fields : "${field.fieldPath}:${lookup(field, "order", lookup(field, "arrayConfig", ""))}"])}" => index
  }
}

resource "google_firestore_index" "bot" {
  for_each = local.firestore_indexes

  project     = var.project
  database    = google_firestore_database.bot.name
  collection  = each.value.collectionGroup
  query_scope = lookup(each.value, "queryScope", "COLLECTION")

  dynamic "fields" {
    for_each = each.value.fields
    content {
      field_path   = fields.value.fieldPath
      order        = lookup(fields.value, "order", null)
      array_config = lookup(fields.value, "arrayConfig", null)
    }
  }
}

# Backups outlive a deleted database (PITR does not): daily ones for a week, weekly ones for longer.
resource "google_firestore_backup_schedule" "daily" {
  project   = var.project
  database  = google_firestore_database.bot.name
  retention = "${7 * 24 * 3600}s"

  daily_recurrence {}
}

resource "google_firestore_backup_schedule" "weekly" {
  project   = var.project
  database  = google_firestore_database.bot.name
  retention = "${var.firestore_weekly_backup_weeks * 7 * 24 * 3600}s"

  weekly_recurrence {
    day = "SUNDAY"
  }
}

# Replay claims on signed Slack requests expire after their window: Firestore deletes them by their `until`
# timestamp (a TTL policy), so the collection does not grow with every request the bot ever received.
resource "google_firestore_field" "expiring_claims_ttl" {
  project    = var.project
  database   = google_firestore_database.bot.name
  collection = "expiring_claims"
  field      = "until"

  ttl_config {}

  # A TTL field needs no single-field index; leaving it out keeps writes cheap.
  index_config {}
}

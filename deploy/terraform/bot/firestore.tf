resource "google_firestore_database" "bot" {
  project     = var.project
  name        = var.firestore_database
  location_id = local.firestore_location
  type        = "FIRESTORE_NATIVE"

  # Requests and the audit trail live here: refuse deletion from the console or API as well.
  delete_protection_state = "DELETE_PROTECTION_ENABLED"

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

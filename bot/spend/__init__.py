"""What environments actually cost: the Cloud Billing export to BigQuery, by the labels they carry."""

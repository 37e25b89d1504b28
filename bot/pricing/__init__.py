"""What environments cost: a price table shipped with the project, and estimates computed from it."""

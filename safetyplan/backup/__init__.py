"""Backups of the database: taking them while the app serves, proving they can be read, restoring them."""

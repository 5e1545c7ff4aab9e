"""Operator tools behind `warehouse-lite` commands that are not a domain's: backups and
restores, and the nginx configuration generated from the settings."""

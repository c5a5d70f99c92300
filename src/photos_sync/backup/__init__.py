"""Encrypted offsite backup of Immich's data with rclone crypt; keys from 1Password."""

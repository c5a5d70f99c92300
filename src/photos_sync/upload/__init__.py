"""Upload: putting planned assets into Immich and recording each outcome."""

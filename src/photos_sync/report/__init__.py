"""``photos-sync report``: the migration as one self-contained HTML page."""

"""The tracker: what photos-sync knows it did, in one SQLite database per data folder."""

"""photos-sync: mirror an Apple Photos library into Immich, and back the result up encrypted."""

__version__ = "0.1.0"

"""The Photos bridge: what only Photos itself (PhotoKit, macOS) can do for us.

Download an original (and its Live Photo video, its Cinematic parts) that lives only in
iCloud, and move assets to Recently Deleted. The import pipeline talks to this small
interface and never knows the platform; on macOS it is :mod:`photos_sync.source.photokit`,
elsewhere there is none (and the commands say so), and tests use a fake.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from photos_sync.errors import PhotosSyncError
from photos_sync.source.records import ResourceKind

ICLOUD_BUSY = 3169  # PHPhotosErrorDomain: a download that failed for now; try again later
NO_RESOURCE = "No resource found"
NEEDS_MACOS = (
    "needs macOS Photos (PhotoKit), which only runs on a Mac",
    "Run photos-sync on the Mac that holds the library",
)


class BridgeError(PhotosSyncError):
    """Photos could not do it; ``transient`` ones are worth another try later."""

    def __init__(self, message: str, *, transient: bool = False, orphan: bool = False) -> None:
        super().__init__(message)
        self.transient = transient
        self.orphan = orphan  # the asset has no data at all: nothing will ever download


class PhotosBridge(Protocol):
    def download(
        self, uuid: str, kinds: Sequence[ResourceKind], folder: Path
    ) -> dict[ResourceKind, Path]:
        """Write the asset's resources of these kinds into ``folder``; their paths. A kind
        Photos does not have is left out; an asset whose original was asked for and is
        nowhere is an orphan (``BridgeError(orphan=True)``)."""
        ...

    def delete(self, uuids: Sequence[str]) -> int:
        """Move the assets to Recently Deleted (Photos asks the user); how many."""
        ...


def photos_bridge() -> PhotosBridge | None:
    """PhotoKit on a Mac; None elsewhere."""
    if sys.platform != "darwin":
        return None
    from photos_sync.source.photokit import PhotoKitBridge

    return PhotoKitBridge()

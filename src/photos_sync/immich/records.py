"""What the Immich client hands out and takes in: plain records, with no HTTP in them.

``plan/`` decides from these without importing the client (and so httpx): the rule
"plan/ is pure" is checked by ``tests/test_architecture.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class UploadFields:
    """What we say about a file when uploading it."""

    filename: str
    created_at: str  # ISO-8601 with offset
    modified_at: str
    device_asset_id: str  # the Photos UUID (v2 requires it; v3 ignores it)
    favorite: bool = False
    visibility: str | None = None
    live_photo_video_id: str | None = None
    metadata: dict[str, Any] | None = None  # stored under the key "photos-sync" (v2.5+)
    sidecar: bytes | None = None  # an XMP packet Immich reads with the file (sidecarData)


@dataclass(frozen=True)
class Uploaded:
    id: str
    duplicate: bool  # the server had these bytes already (200), else created (201)


@dataclass(frozen=True)
class Existing:
    """A bulk-upload-check answer: the server's asset with these bytes, if any."""

    asset_id: str | None
    trashed: bool = False
    sent_by_us: bool = False  # the tracker says photos-sync began to upload these bytes


@dataclass(frozen=True)
class Reading:
    """How far Immich has read a new upload, and the date it read from the file once done:
    the moment (``dateTimeOriginal``) and the wall time it shows (``localDateTime``)."""

    state: str  # "waiting", "reading" or "done"
    taken: str | None = None
    local: str | None = None


@dataclass(frozen=True)
class ServerValues:
    """What an asset already shows on the server, for the fields Photos may also set."""

    favorite: bool
    description: str
    has_date: bool
    has_location: bool
    visibility: str

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> ServerValues:
        exif = item.get("exifInfo") or {}
        return cls(
            favorite=bool(item.get("isFavorite")),
            description=str(exif.get("description") or ""),
            has_date=bool(exif.get("dateTimeOriginal")),
            has_location=exif.get("latitude") is not None,
            visibility=str(item.get("visibility") or "timeline"),
        )


@dataclass(frozen=True)
class ServerAlbum:
    id: str
    name: str
    description: str
    created_at: str = ""  # ISO-8601, as Immich gives it: which of two twins came first


@dataclass(frozen=True)
class ServerAsset:
    """What verify needs of an asset on the server."""

    id: str
    checksum: str  # SHA-1, hex
    live_photo_video_id: str | None
    trashed: bool
    taken: str | None = None  # its EXIF dateTimeOriginal, as Immich shows it


@dataclass(frozen=True)
class ServerStack:
    """A stack on the server: its cover and every asset in it (the cover included)."""

    id: str
    primary_id: str
    asset_ids: frozenset[str]

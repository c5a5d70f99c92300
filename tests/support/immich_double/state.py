"""What the Immich double holds: users and their API keys (assets arrive with the import)."""

from __future__ import annotations

import json
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.immich_double.clock import now_iso as now_iso  # the modules' clock
from tests.support.immich_double.sidecars import Sidecars

QUEUE_NAMES = (  # Immich 3.1.0's QueueName enum, in its order
    "thumbnailGeneration",
    "metadataExtraction",
    "videoConversion",
    "faceDetection",
    "facialRecognition",
    "smartSearch",
    "duplicateDetection",
    "backgroundTask",
    "storageTemplateMigration",
    "migration",
    "search",
    "sidecar",
    "library",
    "notifications",
    "backupDatabase",
    "ocr",
    "workflow",
    "integrityCheck",
    "editor",
)


@dataclass
class User:
    id: str
    email: str
    name: str
    is_admin: bool = False


@dataclass
class ApiKey:
    id: str
    name: str
    secret: str
    user: User
    permissions: list[str]
    created_at: str = field(default_factory=now_iso)

    def allows(self, permission: str | None) -> bool:
        return permission is None or "all" in self.permissions or permission in self.permissions


IMAGE_EXTENSIONS = frozenset(
    [
        ".avif",
        ".bmp",
        ".gif",
        ".jpeg",
        ".jpg",
        ".png",
        ".webp",
        ".heic",
        ".heif",
        ".hif",
        ".insp",
        ".jp2",
        ".jpe",
        ".jxl",
        ".mpo",
        ".svg",
        ".tif",
        ".tiff",
        ".3fr",
        ".ari",
        ".arw",
        ".cap",
        ".cin",
        ".cr2",
        ".cr3",
        ".crw",
        ".dcr",
        ".dng",
        ".erf",
        ".fff",
        ".iiq",
        ".k25",
        ".kdc",
        ".mrw",
        ".nef",
        ".nrw",
        ".orf",
        ".ori",
        ".pef",
        ".psd",
        ".raf",
        ".raw",
        ".rw2",
        ".rwl",
        ".sr2",
        ".srf",
        ".srw",
        ".x3f",
    ]
)
VIDEO_EXTENSIONS = frozenset(
    [
        ".3gp",
        ".3gpp",
        ".avi",
        ".flv",
        ".insv",
        ".m2t",
        ".m2ts",
        ".m4v",
        ".mkv",
        ".mov",
        ".mp4",
        ".mpe",
        ".mpeg",
        ".mpg",
        ".mts",
        ".mxf",
        ".ts",
        ".vob",
        ".webm",
        ".wmv",
    ]
)


def asset_type(filename: str) -> str | None:
    """IMAGE or VIDEO from the extension, as Immich decides it; None if not accepted."""
    extension = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension in IMAGE_EXTENSIONS:
        return "IMAGE"
    if extension in VIDEO_EXTENSIONS:
        return "VIDEO"
    return None


@dataclass
class Asset:
    """One asset as the server holds it."""

    id: str
    owner: User
    type: str
    original_file_name: str
    checksum: bytes  # raw SHA-1
    size: int
    file_created_at: str
    file_modified_at: str
    is_favorite: bool = False
    visibility: str = "timeline"
    live_photo_video_id: str | None = None
    trashed: bool = False
    description: str = ""
    date_time_original: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    metadata: dict[str, object] = field(default_factory=dict)
    tags: set[str] = field(default_factory=set)  # tag ids
    stack_id: str | None = None
    local_date_time: str | None = None  # the wall time shown, when read from the file
    created_at: str = field(default_factory=now_iso)
    updated_at: str = field(default_factory=now_iso)


@dataclass
class Album:
    id: str
    owner: User
    name: str
    assets: list[str] = field(default_factory=list)
    description: str = ""
    created_at: str = field(default_factory=now_iso)
    updated_at: str = field(default_factory=now_iso)


@dataclass
class Tag:
    id: str
    value: str  # the full path, "Travel/Italy"
    name: str  # the last part
    parent_id: str | None
    created_at: str = field(default_factory=now_iso)


@dataclass
class Person:
    id: str
    owner: User
    name: str
    updated_at: str = field(default_factory=now_iso)
    face_id: str | None = None  # the face its picture is cut from (Immich's faceAssetId)


@dataclass
class Face:
    """A face box on an asset, in the pixels of an image ``image_width`` x ``image_height``."""

    id: str
    asset_id: str
    person_id: str
    image_width: int
    image_height: int
    box: tuple[int, int, int, int]  # x1, y1, x2, y2
    source: str = "manual"


@dataclass
class Stack:
    id: str
    primary: str
    assets: list[str]


class ServerState:
    """Everything the server knows, behind one lock (the server is threaded)."""

    def __init__(self, version: tuple[int, int, int] = (3, 1, 0)) -> None:
        self.lock = threading.RLock()
        self.version = version
        self.owner = User(
            id=str(uuid.uuid4()), email="admin@example.com", name="Admin", is_admin=True
        )
        self.keys: dict[str, ApiKey] = {}
        self.assets: dict[str, Asset] = {}
        self.albums: dict[str, Album] = {}
        self.tags: dict[str, Tag] = {}
        self.stacks: dict[str, Stack] = {}
        self.people: dict[str, Person] = {}
        self.faces: dict[str, Face] = {}
        # Original file names whose metadata extraction never ends (no thumbnail yet): a
        # busy real server, for the tests of what waits on it.
        self.still_reading: set[str] = set()
        # Seconds the double takes to read a new upload (0: at once, when it answers): until
        # then its sidecar's fields and tags are not on it and it has no thumbnail, as on a
        # busy real server. The readings under way: (when each ends, asset id, the reading).
        self.reading_seconds = 0.0
        self.readings: list[tuple[float, str, Callable[[], None]]] = []
        # Original file name -> the date Immich reads from such a file (dateTimeOriginal,
        # localDateTime): the double reads no file, a test says what real Immich read.
        self.file_dates: dict[str, tuple[str, str]] = {}
        # Original file name -> the keywords embedded in such a file, which Immich reads as
        # the asset's tags at upload.
        self.file_keywords: dict[str, list[str]] = {}
        self.sidecars = Sidecars()  # the XMP rewrites each tag and field change starts
        # The server's settings: a real Immich 3.1.0's defaults (system-config.json); with
        # config_file, they come from IMMICH_CONFIG_FILE and the API cannot change them.
        self.system_config: dict[str, Any] = json.loads(
            (Path(__file__).parent / "system-config.json").read_text()
        )
        self.config_file = False
        # The server's media folder (IMMICH_MEDIA_LOCATION), when a test gives it one: where
        # the backup-database job leaves its dumps.
        self.media_dir: Path | None = None
        self._by_checksum: dict[tuple[str, bytes], str] = {}
        # Immich's job queues (QueueName) -> paused; and, at each upload, which were paused
        # (the double does its reading at once, so a test looks at this instead).
        self.queues: dict[str, bool] = dict.fromkeys(QUEUE_NAMES, False)
        self.paused_at_uploads: list[frozenset[str]] = []

    def being_read(self, asset_id: str) -> bool:
        with self.lock:
            return any(reading[1] == asset_id for reading in self.readings)

    def finish_due_readings(self) -> None:
        """Apply the readings whose time has come (each request looks first)."""
        now = time.monotonic()
        with self.lock:
            due = [reading for reading in self.readings if reading[0] <= now]
            self.readings = [reading for reading in self.readings if reading[0] > now]
            for _, _, read in due:
                read()

    def add_key(self, permissions: list[str] | None = None, name: str = "photos-sync") -> str:
        """A new API key for the owner; returns the secret a client sends."""
        secret = secrets.token_urlsafe(32)
        with self.lock:
            self.keys[secret] = ApiKey(
                id=str(uuid.uuid4()),
                name=name,
                secret=secret,
                user=self.owner,
                permissions=list(permissions or ["all"]),
            )
        return secret

    def key(self, secret: str) -> ApiKey | None:
        with self.lock:
            return self.keys.get(secret)

    def find_by_checksum(self, owner: User, checksum: bytes) -> Asset | None:
        with self.lock:
            found = self._by_checksum.get((owner.id, checksum))
            return self.assets[found] if found else None

    def add_asset(self, asset: Asset) -> tuple[Asset, bool]:
        """Store a new asset unless the owner has these bytes already: (asset, created)."""
        with self.lock:
            existing = self.find_by_checksum(asset.owner, asset.checksum)
            if existing is not None:
                return existing, False
            self.assets[asset.id] = asset
            self._by_checksum[(asset.owner.id, asset.checksum)] = asset.id
            return asset, True

    def remove_asset(self, asset_id: str) -> None:
        """Delete for good (tests: an asset someone removed from Immich)."""
        with self.lock:
            asset = self.assets.pop(asset_id)
            self._by_checksum.pop((asset.owner.id, asset.checksum), None)

    def finish_rewrites(self) -> None:
        """Wait for the sidecar rewrites in flight to end and take what they wrote: what a
        test then reads is what Immich holds once its jobs are done."""
        time.sleep(self.sidecars.remaining())
        with self.lock:
            self.sidecars.settle(self.assets)

    def visible_assets(self) -> list[Asset]:
        """Assets as a user browsing Immich sees them: not trashed, not hidden."""
        with self.lock:
            return [a for a in self.assets.values() if not a.trashed and a.visibility != "hidden"]

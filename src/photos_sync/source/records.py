"""Plain, typed records of a Photos library's assets: all the rest of the program sees."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from operator import attrgetter
from pathlib import Path

CORE_DATA_EPOCH = datetime(2001, 1, 1, tzinfo=UTC)
# EXIF orientations that show the stored image turned a quarter: width and height trade
# places on screen.
TURNED_ORIENTATIONS = frozenset({5, 6, 7, 8})


def core_data_time(value: float | None) -> str | None:
    """Photos stores times as seconds since 2001-01-01 UTC; we keep them as ISO-8601.
    None for a time no date can hold (a damaged database): one such asset must not stop
    a run."""
    if value is None:
        return None
    try:
        return (CORE_DATA_EPOCH + timedelta(seconds=value)).isoformat(timespec="microseconds")
    except OverflowError:
        return None


class MediaType(StrEnum):
    PHOTO = "photo"
    VIDEO = "video"


class Availability(StrEnum):
    """Where a resource's bytes are."""

    LOCAL = "local"  # on disk in the library (or at its referenced location)
    CLOUD = "cloud"  # only in iCloud ("Optimize Mac Storage"), downloadable on macOS
    MISSING = "missing"  # Photos says local (or referenced) but the file is gone


class ResourceKind(StrEnum):
    ORIGINAL = "original"
    PAIRED_VIDEO = "paired_video"  # the motion part of a Live Photo
    EDITED = "edited"  # Photos' rendering of the current edit
    EDITED_PAIRED_VIDEO = "edited_paired_video"
    AAE = "aae"  # adjustment data (edit recipe; Cinematic focus edits)
    RAW = "raw"  # the RAW half of a RAW+JPEG pair


@dataclass(frozen=True)
class Resource:
    kind: ResourceKind
    availability: Availability
    path: Path | None = None

    def to_json(self) -> dict[str, str | None]:
        return {
            "kind": self.kind.value,
            "availability": self.availability.value,
            "path": str(self.path) if self.path else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, str | None]) -> Resource:
        path = data.get("path")
        return cls(
            ResourceKind(str(data["kind"])),
            Availability(str(data["availability"])),
            Path(path) if path else None,
        )


@dataclass(frozen=True)
class Subtypes:
    """The special kinds of photo the tracker keeps a flag for, one column each.

    The first eleven are the original tool's; the rest are what a faithful mirror also
    needs to know (bursts to stack, edits to upload, hidden and favorite to carry over).
    """

    is_live_photo: bool = False
    is_portrait: bool = False
    is_hdr: bool = False
    is_panorama: bool = False
    is_screenshot: bool = False
    is_cinematic: bool = False
    is_slomo: bool = False
    is_timelapse: bool = False
    is_spatial_video: bool = False
    is_proraw: bool = False
    has_paired_video: bool = False
    is_spatial_photo: bool = False
    is_selfie: bool = False
    is_burst: bool = False
    has_raw_pair: bool = False
    is_edited: bool = False
    is_hidden: bool = False
    is_favorite: bool = False
    is_shared_library: bool = False  # in an iCloud Shared Photo Library
    is_syndicated: bool = False  # "Shared with You", not saved to the library

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return _SUBTYPE_NAMES

    def as_dict(self) -> dict[str, bool]:
        return {name: getattr(self, name) for name in _SUBTYPE_NAMES}

    def values(self) -> tuple[bool, ...]:
        """The flags in the order of :meth:`names` (one call in C: a scan asks for each
        asset)."""
        values: tuple[bool, ...] = _subtype_values(self)
        return values

    def set_names(self) -> set[str]:
        return {name for name in _SUBTYPE_NAMES if getattr(self, name)}


_SUBTYPE_NAMES = tuple(f.name for f in fields(Subtypes))
_subtype_values = attrgetter(*_SUBTYPE_NAMES)


SUBTYPE_LABELS: dict[str, str] = {
    "is_live_photo": "Live Photo",
    "is_portrait": "Portrait",
    "is_hdr": "HDR",
    "is_panorama": "Panorama",
    "is_screenshot": "Screenshot",
    "is_cinematic": "Cinematic",
    "is_slomo": "Slo-mo",
    "is_timelapse": "Timelapse",
    "is_spatial_video": "Spatial Video",
    "is_proraw": "ProRAW",
    "has_paired_video": "Has Paired Video",
    "is_spatial_photo": "Spatial Photo",
    "is_selfie": "Selfie",
    "is_burst": "Burst",
    "has_raw_pair": "RAW+JPEG",
    "is_edited": "Edited",
    "is_hidden": "Hidden",
    "is_favorite": "Favorite",
    "is_shared_library": "Shared Library",
    "is_syndicated": "Shared with You",
}


def kind_name(column: str) -> str:
    """The word a user types for a special kind: ``is_live_photo`` -> ``live-photo``."""
    return "".join(c if c.isalnum() else "-" for c in SUBTYPE_LABELS[column].lower()).strip("-")


KINDS: dict[str, str] = {kind_name(column): column for column in SUBTYPE_LABELS}


@dataclass(frozen=True)
class Face:
    """A named person's face on a photo: a box relative to the image as it is shown
    (orientation applied; y grows downwards), left, top, right, bottom, each 0..1."""

    person_uuid: str
    name: str
    box: tuple[float, float, float, float]


@dataclass(frozen=True)
class AlbumRef:
    uuid: str
    title: str
    folders: tuple[str, ...] = ()


@dataclass(frozen=True)
class LibraryAsset:
    """One asset of the library, as photos-sync needs to know it."""

    uuid: str
    filename: str
    media_type: MediaType
    created_at: datetime  # with the time zone Photos recorded
    modified_at: datetime | None
    original_size: int | None
    uti: str | None
    subtypes: Subtypes
    resources: tuple[Resource, ...]
    in_cloud_library: bool = False  # part of an iCloud Photos library
    in_trash: bool = False
    burst_id: str | None = None
    title: str | None = None
    description: str | None = None
    keywords: tuple[str, ...] = ()
    albums: tuple[AlbumRef, ...] = ()
    latitude: float | None = None
    longitude: float | None = None
    persons: tuple[str, ...] = ()  # named people only
    faces: tuple[Face, ...] = ()  # where named people are on it
    display_size: tuple[int, int] | None = None  # width, height as shown (orientation applied)
    orientation: int = 1  # the EXIF orientation its file is shown at
    date_from_photos: bool = False  # Immich must be told Photos' date and zone
    location_from_photos: bool = False  # Photos has a location the file lacks or contradicts
    raw_is_original: bool = False  # a RAW+JPEG pair shown RAW first ("Use RAW as Original")

    def resource(self, kind: ResourceKind) -> Resource | None:
        return next((r for r in self.resources if r.kind is kind), None)

    @property
    def original(self) -> Resource:
        found = self.resource(ResourceKind.ORIGINAL)
        assert found is not None, "every asset has an original"
        return found

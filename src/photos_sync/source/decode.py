"""Photos' stored values turned into what a record holds: dates with their zone, a face's
box on the image as shown, an edit's orientation, a RAW file's type.

How Photos encodes each value is told in :mod:`~photos_sync.source.photos_schema`; this
module only applies it. ``tests/test_conversions.py`` checks each function against what
osxphotos, the reference reader, says of the same value, so that a library read by either
reader gives the same records.
"""

from __future__ import annotations

import json
import plistlib
import re
import sys
import unicodedata
import zlib
from bisect import bisect_left
from collections.abc import Iterator
from contextlib import suppress
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import cache
from itertools import islice
from typing import Any, Literal, NamedTuple
from zoneinfo import ZoneInfo

from photos_sync.source.photos_schema import (
    FACE_TURNS,
    RAW_TYPES,
    REFERENCE_DATE,
)
from photos_sync.source.records import TURNED_ORIENTATIONS

UNKNOWN_DATE = datetime(1970, 1, 1, tzinfo=UTC)  # what a date Photos lacks reads as


_UNIX_AT_REFERENCE = REFERENCE_DATE.timestamp()


def _moment(seconds: float) -> datetime | None:
    """A moment Photos stored, in UTC; None for one past what a datetime holds (a damaged
    row). Counted as Unix time, so that it rounds to the microsecond as every other reader
    of the same float does."""
    try:
        return datetime.fromtimestamp(seconds + _UNIX_AT_REFERENCE, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def capture_date(seconds: float | None, offset: int | None, zone_name: str | None) -> datetime:
    """When the photo was taken, shown where Photos shows it: in the named zone when Photos
    names a real one, else at the offset it stored. A zone named in a way Photos rarely
    writes (an abbreviation such as ``PST``) is asked of osxphotos itself, so that both
    readers agree."""
    moment = None if seconds is None else _moment(seconds)
    if moment is None:
        return UNKNOWN_DATE
    place = _place(zone_name, offset or 0)
    if place is None:
        from osxphotos.photos_datetime import photos_datetime

        return photos_datetime(seconds, offset or 0, zone_name, default=True)  # type: ignore[no-any-return]
    try:
        return moment.astimezone(place)
    except (OverflowError, ValueError):  # shown at its offset, past year 9999 or before 1
        return UNKNOWN_DATE


@cache  # a library names a handful of zones, and finding one reads a file
def _place(zone_name: str | None, offset: int) -> tzinfo | None:
    """The zone a capture date is shown in; None when the name is neither a zone nor an
    offset that agrees with the stored one."""
    if zone_name is None or zone_name == "":
        return timezone(timedelta(seconds=offset))
    name = zone_name.strip()
    if name:
        with suppress(Exception):  # ZoneInfo refuses odd names with several kinds of error
            return ZoneInfo(name)
    if _written_offset(name) == offset:
        return timezone(timedelta(seconds=offset))
    return None


_OFFSET = re.compile(r"(?:GMT)?([+-])([01]\d|2[0-3]):?([0-5]\d)")


def _written_offset(name: str) -> int | None:
    """Seconds east of UTC of an offset spelt out, as Photos writes it for a place it has
    no zone name for (``GMT-0700``, ``+05:30``); None for anything else."""
    if name.upper() == "Z":
        return 0
    spelt = _OFFSET.fullmatch(name.upper())
    if spelt is None:
        return None
    sign, hours, minutes = spelt.groups()
    seconds = int(hours) * 3600 + int(minutes) * 60
    return -seconds if sign == "-" else seconds


def local_date(seconds: float | None) -> datetime | None:
    """A moment Photos stored (the last edit, say), in this computer's zone."""
    moment = None if seconds is None else _moment(seconds)
    if moment is None:
        return None
    try:
        return moment.astimezone()
    except (OverflowError, ValueError):
        return None


class Area(NamedTuple):
    """A face's region as the Metadata Working Group describes one: its centre and its
    size, each relative to the image as it is shown."""

    x: float
    y: float
    h: float
    w: float


def face_area(
    center: tuple[float, float], size: float, width: int, height: int, orientation: int
) -> Area:
    """A face Photos stored (centre on the stored image, y upwards; size relative to the
    longer side) as a region of the image shown at ``orientation``."""
    if not width or not height:
        return Area(0.0, 0.0, 0.0, 0.0)
    x, y = _shown(center, orientation)
    side = size * max(width, height)
    turned = orientation in TURNED_ORIENTATIONS
    shown_width, shown_height = (height, width) if turned else (width, height)
    return Area(x, y, side / shown_height, side / shown_width)


def _shown(center: tuple[float, float], orientation: int) -> tuple[float, float]:
    x, y = center
    if orientation not in FACE_TURNS:
        return x, y
    trade, mirror_first, mirror_second = FACE_TURNS[orientation]
    first, second = (1.0 - y, x) if trade else (x, 1.0 - y)
    return (
        1.0 - first if mirror_first else first,
        1.0 - second if mirror_second else second,
    )


def edit_orientation(plist_path: str) -> int:
    """The EXIF orientation an edit gave the photo, from its adjustments file; 0 when the
    file names none or cannot be read."""
    try:
        with open(plist_path, "rb") as file:
            adjustments = plistlib.load(file)
    except (OSError, ValueError, plistlib.InvalidFileException):
        return 0
    if not isinstance(adjustments, dict):
        return 0
    document = _document(adjustments.get("adjustmentData"))
    metadata = document.get("metadata") if isinstance(document, dict) else None
    orientation = metadata.get("orientation") if isinstance(metadata, dict) else None
    return orientation if isinstance(orientation, int) else 0


def _document(data: object) -> Any:
    """The adjustments document: JSON or a property list, maybe compressed."""
    if isinstance(data, str):
        data = data.encode()
    if not isinstance(data, bytes):
        return None
    for blob in _unpacked(data):
        with suppress(Exception):  # plistlib fails in many ways on what is no plist
            return plistlib.loads(blob)
        with suppress(ValueError):
            return json.loads(blob.decode())
    return None


def _unpacked(data: bytes) -> Iterator[bytes]:
    """The bytes as they are, then inflated (raw deflate, then with zlib's header)."""
    yield data
    for window in (-zlib.MAX_WBITS, zlib.MAX_WBITS):
        with suppress(zlib.error):
            yield zlib.decompress(data, window)


def raw_type(suffix: str) -> str | None:
    """The type identifier of a RAW file, from its suffix (``.dng`` or ``dng``); a suffix
    the table lacks is asked of osxphotos, which knows every type macOS does."""
    extension = suffix.removeprefix(".")
    if not extension:
        return None
    known = RAW_TYPES.get(extension.lower())
    if known is None:
        from osxphotos.uti import get_uti_for_extension

        known = get_uti_for_extension(extension)
    return known


# The Unicode form of the names a folder lists: decomposed on macOS' file systems.
FILE_NAME_FORM: Literal["NFC", "NFD"] = "NFD" if sys.platform == "darwin" else "NFC"


class FolderNames:
    """The names in one folder, to find those that begin a certain way whatever their case
    (a RAW beside its JPEG may be ``IMG_1_4.CR2`` or ``img_1_4.cr2``). Sorted once, so that
    each search is a bisection, not a pass over the folder.

    On a Mac, names that differ only in case are one file. Where the disk tells them apart
    (a library copied to Linux), the one listed last answers for all of them: osxphotos
    reads such a folder so, and both readers must pick the same RAW."""

    def __init__(self, names: list[str]) -> None:
        spelt = [unicodedata.normalize(FILE_NAME_FORM, name) for name in names]
        self._spelling = {name.lower(): name for name in spelt}
        self._folded = sorted((name.lower(), place) for place, name in enumerate(spelt))

    def beginning(self, prefix: str) -> list[str]:
        """The names that begin with ``prefix``, case aside, in the order the folder
        listed them."""
        wanted = unicodedata.normalize(FILE_NAME_FORM, prefix).lower()
        start = bisect_left(self._folded, (wanted, -1))
        hits = []
        for folded, place in islice(self._folded, start, None):
            if not folded.startswith(wanted):
                break
            hits.append((place, folded))
        return [self._spelling[folded] for _, folded in sorted(hits)]

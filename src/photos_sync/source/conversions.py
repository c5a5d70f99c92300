"""osxphotos' conversions of Photos' stored values, copied for the direct reader.

Importing osxphotos costs most of a second (its package loads its exporter, its templates
and an HTTP library), paid by every run that reads an asset: a first import and any night
with a change. The direct reader needs only a few of its rules: the table names of each
Photos release, dates, a face's box, an edit's orientation, a RAW file's name and type.
They are copied here from osxphotos 0.77.2 (Copyright (c) 2019-2026 Rhet Turnbull, MIT
License, as this project), and ``tests/test_conversions.py`` keeps each equal to
osxphotos' own. A date whose zone is neither a zone name nor its own offset, and a
RAW suffix the table does not list, are asked of osxphotos itself: its rules for those are
long, and they are rare.
"""

from __future__ import annotations

import json
import plistlib
import re
import sys
import unicodedata
import zlib
from bisect import bisect_left
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import cache
from itertools import islice
from typing import Any, Literal, NamedTuple
from zoneinfo import ZoneInfo

from photos_sync.source.catalog import MODEL_RANGES

# osxphotos' number for each release of the catalog's model ranges, in their order
# (``photosdb_utils.get_photos_version_from_model``: 9.6 is macOS 14.6, 9.9 a beta of 10).
RELEASES: tuple[tuple[tuple[int, int], float], ...] = tuple(
    (span, number)
    for (span, _), number in zip(
        MODEL_RANGES, (5, 6, 7, 8, 9, 9.6, 9.9, 10, 11, 11.1, 12), strict=True
    )
)


def osxphotos_release(model_version: int) -> float:
    """osxphotos' release number for a database model (the newest for one it does not
    know, as osxphotos assumes; ``open_catalog`` has refused those already)."""
    for (low, high), release in RELEASES:
        if low <= model_version <= high:
            return release
    return RELEASES[-1][1]


# The names the direct reader takes from osxphotos' ``_DB_TABLE_NAMES``, per release.
NAME_KEYS = (
    "ASSET",
    "HAS_ADJUSTMENTS",
    "HDR_TYPE",
    "DEPTH_STATE",
    "MASTER_FINGERPRINT",
    "KEYWORD_JOIN",
    "DETECTED_FACE_ASSET_FK",
    "DETECTED_FACE_PERSON_FK",
)
_OLD_FINGERPRINT = "ZADDITIONALASSETATTRIBUTES.ZMASTERFINGERPRINT"
_NEW_FINGERPRINT = "ZADDITIONALASSETATTRIBUTES.ZORIGINALSTABLEHASH"
_OLD_FACE = ("ZDETECTEDFACE.ZASSET", "ZDETECTEDFACE.ZPERSON")
_NEW_FACE = ("ZDETECTEDFACE.ZASSETFORFACE", "ZDETECTEDFACE.ZPERSONFORFACE")
_ASSET = ("ZASSET", "ZASSET.ZHASADJUSTMENTS", "ZHDRTYPE", "ZASSET.ZDEPTHTYPE")
_ADJUSTED = ("ZASSET", "ZASSET.ZADJUSTMENTSSTATE", "ZHDRTYPE", "ZASSET.ZDEPTHTYPE")
TABLE_NAMES: dict[float, dict[str, str]] = {
    release: dict(zip(NAME_KEYS, names, strict=True))
    for release, names in (
        (
            5,
            (
                "ZGENERICASSET",
                "ZGENERICASSET.ZHASADJUSTMENTS",
                "ZCUSTOMRENDEREDVALUE",
                "ZGENERICASSET.ZDEPTHSTATES",
                _OLD_FINGERPRINT,
                "Z_1KEYWORDS.Z_37KEYWORDS",
                *_OLD_FACE,
            ),
        ),
        (
            6,
            (
                "ZASSET",
                "ZASSET.ZHASADJUSTMENTS",
                "ZCUSTOMRENDEREDVALUE",
                "ZASSET.ZDEPTHTYPE",
                _OLD_FINGERPRINT,
                "Z_1KEYWORDS.Z_36KEYWORDS",
                *_OLD_FACE,
            ),
        ),
        (7, (*_ASSET, _OLD_FINGERPRINT, "Z_1KEYWORDS.Z_38KEYWORDS", *_OLD_FACE)),
        (8, (*_ASSET, _OLD_FINGERPRINT, "Z_1KEYWORDS.Z_40KEYWORDS", *_OLD_FACE)),
        (9, (*_ASSET, _OLD_FINGERPRINT, "Z_1KEYWORDS.Z_40KEYWORDS", *_NEW_FACE)),
        (9.6, (*_ASSET, _OLD_FINGERPRINT, "Z_1KEYWORDS.Z_41KEYWORDS", *_NEW_FACE)),
        (9.9, (*_ADJUSTED, _NEW_FINGERPRINT, "Z_1KEYWORDS.Z_48KEYWORDS", *_NEW_FACE)),
        (10, (*_ADJUSTED, _NEW_FINGERPRINT, "Z_1KEYWORDS.Z_47KEYWORDS", *_NEW_FACE)),
        (11, (*_ADJUSTED, _NEW_FINGERPRINT, "Z_1KEYWORDS.Z_51KEYWORDS", *_NEW_FACE)),
        (11.1, (*_ADJUSTED, _NEW_FINGERPRINT, "Z_1KEYWORDS.Z_52KEYWORDS", *_NEW_FACE)),
        (12, (*_ADJUSTED, _NEW_FINGERPRINT, "Z_1KEYWORDS.Z_53KEYWORDS", *_NEW_FACE)),
    )
}

# Photos counts seconds from 2001-01-01; osxphotos adds this to get Unix time.
TIME_DELTA = (datetime(2001, 1, 1) - datetime(1970, 1, 1)).total_seconds()
DEFAULT_DATE = datetime(1970, 1, 1, tzinfo=UTC)  # a date that cannot be read


def photos_date(timestamp: float | None, offset: int | None, zone: str | None) -> datetime:
    """osxphotos' ``photos_datetime(timestamp, offset, zone, default=True)``: the moment, in
    the zone Photos names when that is a zone name, else at the offset Photos stored."""
    if timestamp is None:
        return DEFAULT_DATE
    offset = offset or 0
    place = _zone(zone, offset)
    if place is None:
        from osxphotos.photos_datetime import photos_datetime

        return photos_datetime(timestamp, offset, zone, default=True)  # type: ignore[no-any-return]
    try:
        moment = datetime.fromtimestamp(timestamp + TIME_DELTA)
        if not isinstance(place, tzinfo):
            place = timezone(timedelta(seconds=place))
        return moment.astimezone(place)
    except (ValueError, TypeError):
        return DEFAULT_DATE


@cache  # a library has a few zones; looking a name up touches the disk
def _zone(name: str | None, offset: int) -> tzinfo | int | None:
    """The zone osxphotos' ``canonical_timezone`` settles on, where that is plain: a zone
    name, or else the offset stored (no name, or a name that states that very offset).
    None: ask osxphotos."""
    if not name:
        return offset
    token = name.strip()
    if not token:
        return None
    try:
        return ZoneInfo("Etc/UTC" if token == "UTC" else token)
    except Exception:  # osxphotos tries any token as a zone name in the same way
        pass
    return offset if _stated_offset(token) == offset else None


def _stated_offset(token: str) -> int | None:
    """An offset written out (``GMT-0700``, ``+05:30``, ``Z``), as osxphotos parses it."""
    text = token.strip().upper()
    if text in {"Z", "UTC", "GMT"}:
        return 0
    signed = re.fullmatch(r"(?:GMT)?([+-])(\d{2}):?(\d{2})", text)
    if signed:
        sign = 1 if signed.group(1) == "+" else -1
        return sign * (int(signed.group(2)) * 3600 + int(signed.group(3)) * 60)
    unsigned = re.fullmatch(r"(\d{1,2}):(\d{2})", text)
    if unsigned:
        return int(unsigned.group(1)) * 3600 + int(unsigned.group(2)) * 60
    return None


def photos_date_local(timestamp: float | None) -> datetime | None:
    """osxphotos' ``photos_datetime_local(timestamp)``: the moment in this computer's zone."""
    if timestamp is None:
        return None
    try:
        moment = datetime.fromtimestamp(timestamp + TIME_DELTA)
        return moment.astimezone(moment.astimezone().tzinfo)
    except (ValueError, TypeError):
        return None


class Area(NamedTuple):
    """osxphotos' ``MWG_RS_Area``: a face's centre and size on the image as it is shown."""

    x: float
    y: float
    h: float
    w: float


def face_area(
    center: tuple[float, float], size: float, width: int, height: int, orientation: int
) -> Area:
    """osxphotos' ``FaceInfo.mwg_rs_area``: Photos stores the centre on the unrotated image
    with y growing upwards, and the size relative to the longer side."""
    x, y = _oriented(center, orientation)
    if width == 0 or height == 0:
        return Area(0, 0, 0, 0)
    pixels = size * max(height, width)
    if orientation in (5, 6, 7, 8):
        return Area(x, y, pixels / width, pixels / height)
    return Area(x, y, pixels / height, pixels / width)


def _oriented(center: tuple[float, float], orientation: int) -> tuple[float, float]:
    """osxphotos' ``FaceInfo._fix_orientation`` (0: an edit whose orientation is unknown)."""
    x, y = center
    turned = {
        0: (x, 1.0 - y),
        1: (x, 1.0 - y),
        2: (1.0 - x, 1.0 - y),
        3: (1.0 - x, y),
        4: (x, y),
        5: (1.0 - y, x),
        6: (1.0 - y, 1.0 - x),
        7: (y, 1.0 - x),
        8: (y, x),
    }
    return turned.get(orientation, (x, y))


def edit_orientation(plist_path: str) -> int:
    """osxphotos' ``AdjustmentsInfo(plist_path).adj_orientation``: the EXIF orientation an
    edit gave the photo, 0 when its adjustments say none or cannot be decoded."""
    with open(plist_path, "rb") as file:
        try:
            plist = plistlib.load(file)
        except Exception:
            plist = {}
    data = plist.get("adjustmentData")  # a plist that is not a dict fails in osxphotos too
    try:
        adjustments = _decoded(data)
    except Exception:
        adjustments = None
    try:
        orientation: int = adjustments["metadata"]["orientation"]
    except (KeyError, TypeError):
        return 0
    return orientation


def _decoded(data: Any) -> Any:
    """osxphotos' ``_decode_adjustments_from_plist``: a plist or JSON, maybe compressed."""
    if data is None:
        return None
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not isinstance(data, (bytes, bytearray)):
        raise ValueError(f"'adjustmentData' must be bytes, got {type(data)}")
    result = _plist_or_json(data)
    if result is not None:
        return result
    for wbits in (-zlib.MAX_WBITS, zlib.MAX_WBITS):
        try:
            result = _plist_or_json(zlib.decompress(data, wbits))
        except zlib.error:
            continue
        if result is not None:
            return result
    raise ValueError("Could not decode adjustment data")


def _plist_or_json(data: bytes | bytearray) -> Any:
    try:
        return plistlib.loads(data)
    except Exception:
        pass
    try:
        return json.loads(data.decode("utf-8"))
    except Exception:
        return None


# osxphotos' uniform type of each RAW file extension (its ``uti`` table; on macOS 10.16 and
# older it asks the system, which names these the same). Others are asked of osxphotos.
RAW_TYPES = {
    "3fr": "com.hasselblad.3fr-raw-image",
    "arw": "com.sony.arw-raw-image",
    "cr2": "com.canon.cr2-raw-image",
    "cr3": "com.canon.cr3-raw-image",
    "crw": "com.canon.crw-raw-image",
    "dcr": "com.kodak.raw-image",
    "dng": "com.adobe.raw-image",
    "dxo": "com.dxo.raw-image",
    "erf": "com.epson.raw-image",
    "fff": "com.hasselblad.fff-raw-image",
    "iiq": "com.phaseone.raw-image",
    "mos": "com.leafamerica.raw-image",
    "mrw": "com.konicaminolta.raw-image",
    "nef": "com.nikon.raw-image",
    "nrw": "com.nikon.nrw-raw-image",
    "orf": "com.olympus.or-raw-image",
    "pef": "com.pentax.raw-image",
    "pwl": "com.leica.pwl-raw-image",
    "raf": "com.fuji.raw-image",
    "raw": "com.panasonic.raw-image",
    "rw2": "com.panasonic.rw2-raw-image",
    "rwl": "com.leica.rwl-raw-image",
    "sr2": "com.sony.sr2-raw-image",
    "srf": "com.sony.raw-image",
    "srw": "com.samsung.raw-image",
}


def raw_type(suffix: str) -> str | None:
    """osxphotos' ``get_uti_for_extension`` for a RAW file's suffix (``.dng`` or ``dng``)."""
    extension = suffix[1:] if suffix.startswith(".") else suffix
    if not extension:
        return None
    known = RAW_TYPES.get(extension.lower())
    if known is not None:
        return known
    from osxphotos.uti import get_uti_for_extension

    return get_uti_for_extension(extension)  # type: ignore[no-any-return]


# The Unicode form osxphotos gives file names it lists (``get_unicode_fs_form``).
FS_FORM: Literal["NFC", "NFD"] = "NFD" if sys.platform == "darwin" else "NFC"


class Listing:
    """A folder's names as osxphotos' ``list_directory`` compares them: in the file
    system's Unicode form, whatever the case. Prepared once per folder, so that finding
    each RAW beside its original is a search, not a pass over every name of the folder."""

    def __init__(self, names: list[str]) -> None:
        listed = [unicodedata.normalize(FS_FORM, name) for name in names]
        self._by_lowered = {name.lower(): name for name in listed}  # the last one wins
        self._sorted = sorted((name.lower(), order) for order, name in enumerate(listed))

    def starting(self, prefix: str) -> list[str]:
        """osxphotos' ``list_directory(folder, startswith=prefix)``, in the listing's order."""
        wanted = unicodedata.normalize(FS_FORM, prefix).lower()
        hits = []
        for lowered, order in islice(self._sorted, bisect_left(self._sorted, (wanted,)), None):
            if not lowered.startswith(wanted):
                break
            hits.append((order, lowered))
        return [self._by_lowered[lowered] for _, lowered in sorted(hits)]

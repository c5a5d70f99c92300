"""Facts about Photos' database: which tables and columns each release uses, and how it
encodes the values photos-sync reads.

This module is data, with no code that reads anything: names and numbers as Photos' own
databases hold them (the fixture libraries in ``tests/fixtures``), each release's as
published about it. ``tests/test_conversions.py`` holds them against what the installed
osxphotos knows of each release, so a drift shows as a failing test, not a wrong record.

How Photos stores what we read
------------------------------
- **Moments** are seconds since 2001-01-01 00:00 UTC (Core Data's reference date), as a
  float. A capture date comes with the offset Photos shows it at
  (``ZTIMEZONEOFFSET``, seconds east of UTC) and the zone's name (``ZTIMEZONENAME``): an
  IANA name such as ``Europe/Paris``, or an offset written out such as ``GMT-0700``.
- **Places** are degrees; an asset with no place has -180.0 for both.
- **A face** is a centre (``ZCENTERX``, ``ZCENTERY``, 0-1) on the original image as it is
  stored, before its EXIF orientation turns it for display, with y growing upwards, and a
  size (``ZSIZE``) relative to the image's longer side.
- **An edit** leaves ``resources/renders/<first character of the UUID>/<UUID>.plist``: a
  property list whose ``adjustmentData`` holds a JSON or plist document, raw or
  compressed with zlib (with or without its header); its ``metadata`` → ``orientation``
  is the EXIF orientation the edit gave the photo. The edited file itself is
  ``<UUID>_1_201_a.jpeg`` (``.heic`` for a HEIC photo from Photos 6 on), an edited video
  ``<UUID>_2_0_a.mov``, an edited Live Photo's motion ``<UUID>_2_100_a.mov``.
- **Files** Photos manages sit at ``originals/<ZDIRECTORY>/<ZFILENAME>``; a Live Photo's
  motion video beside its photo as ``<stem>_3.mov``, the RAW of a RAW+JPEG pair as
  ``<stem>_4.<ext>``. File names are in the file system's Unicode form (decomposed on
  macOS), text in the database in either form.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime


@dataclass(frozen=True)
class Release:
    """One Photos release as its database shows it: the range of Core Data model versions
    (``Z_METADATA``'s ``PLModelVersion``) it writes, and the names it gives the tables and
    columns that moved between releases. The defaults are those of the newest releases."""

    name: str  # as a user knows it: "10" is Photos 10 (macOS 15)
    models: tuple[int, int]  # lowest and highest model version, both included
    keyword_column: str  # on Z_1KEYWORDS: the keyword's key in ZKEYWORD (moves each release)
    asset_table: str = "ZASSET"  # one row per photo or video
    edited_column: str = "ZADJUSTMENTSSTATE"  # on the asset table: non-zero once edited
    hdr_column: str = "ZHDRTYPE"  # on the asset table: 3 for an HDR photo
    depth_column: str = "ZDEPTHTYPE"  # on the asset table: non-zero with a depth map
    fingerprint_column: str = "ZORIGINALSTABLEHASH"  # on ZADDITIONALASSETATTRIBUTES
    face_asset_column: str = "ZASSETFORFACE"  # on ZDETECTEDFACE: the asset's key
    face_person_column: str = "ZPERSONFORFACE"  # on ZDETECTEDFACE: the person's key
    types_apart: bool = False  # a resource's file type is a key into ZUNIFORMTYPEIDENTIFIER
    syndication: bool = True  # ZADDITIONALASSETATTRIBUTES knows "Shared with You"
    shared_library: bool = True  # the asset table knows the iCloud Shared Library
    heic_renders: bool = True  # an edited HEIC photo is rendered as HEIC, not JPEG


# Each older release as the one after it, but for what it did otherwise: Photos 10 renamed
# the edit flag and the fingerprint, Photos 9 the face keys, Photos 8 brought the Shared
# Library, Photos 7 HDR's own column, "Shared with You" and file types on the resource row,
# Photos 6 the table name ZASSET and HEIC renderings.
_NEWEST = Release("", (0, 0), "")
_BEFORE_10 = replace(
    _NEWEST, edited_column="ZHASADJUSTMENTS", fingerprint_column="ZMASTERFINGERPRINT"
)
_BEFORE_9 = replace(_BEFORE_10, face_asset_column="ZASSET", face_person_column="ZPERSON")
_BEFORE_8 = replace(_BEFORE_9, shared_library=False)
_BEFORE_7 = replace(
    _BEFORE_8, hdr_column="ZCUSTOMRENDEREDVALUE", types_apart=True, syndication=False
)
_BEFORE_6 = replace(
    _BEFORE_7, asset_table="ZGENERICASSET", depth_column="ZDEPTHSTATES", heic_renders=False
)

# Oldest first. Photos 9 wrote two ranges (the second from macOS 14.6 on), and a beta of
# Photos 10 a third, with Photos 10's columns but a keyword join of its own.
RELEASES: tuple[Release, ...] = tuple(
    replace(like, name=name, models=models, keyword_column=f"Z_{keywords}KEYWORDS")
    for like, name, models, keywords in (
        (_BEFORE_6, "5", (13000, 13999), 37),
        (_BEFORE_7, "6", (14000, 14999), 36),
        (_BEFORE_8, "7", (15000, 15999), 38),
        (_BEFORE_9, "8", (16000, 16999), 40),
        (_BEFORE_10, "9", (17000, 17599), 40),
        (_BEFORE_10, "9", (17600, 17999), 41),
        (_NEWEST, "10 beta", (18000, 18200), 48),
        (_NEWEST, "10", (18201, 18999), 47),
        (_NEWEST, "11", (19063, 19319), 51),
        (_NEWEST, "11.1", (19320, 19999), 52),
        (_NEWEST, "12", (270000000, 270999999), 53),
    )
)


def release_of(model_version: int) -> Release | None:
    """The release that writes this model version; None for one no release here writes."""
    for release in RELEASES:
        low, high = release.models
        if low <= model_version <= high:
            return release
    return None


# Core Data's reference date: Photos' moments count seconds from here.
REFERENCE_DATE = datetime(2001, 1, 1, tzinfo=UTC)
NO_PLACE = -180.0  # ZLATITUDE and ZLONGITUDE of an asset with no place

# ZASSET.ZKIND
KIND_PHOTO, KIND_VIDEO = 0, 1
# ZASSET.ZKINDSUBTYPE
SUBTYPE_PANORAMA, SUBTYPE_LIVE, SUBTYPE_SCREENSHOT = 1, 2, 10
SUBTYPE_SLOMO, SUBTYPE_TIMELAPSE = 101, 102
# The HDR column's value for an HDR photo, and for a panorama rendered as one.
RENDERED_HDR, RENDERED_PANORAMA = 3, 6
# ZADDITIONALASSETATTRIBUTES.ZCAMERACAPTUREDEVICE
CAMERA_FRONT = 1
# ZADDITIONALASSETATTRIBUTES.ZORIGINALRESOURCECHOICE: the RAW of a pair is the original
ORIGINAL_IS_RAW = 1
# ZASSET.ZSAVEDASSETTYPE: imported as a reference (the file stayed where it was)
SAVED_AS_REFERENCE = 10
# ZINTERNALRESOURCE.ZDATASTORESUBTYPE: which of an asset's files a resource row is
STORE_ORIGINAL, STORE_ORIGINAL_VIDEO, STORE_RAW = 1, 3, 17
# ZINTERNALRESOURCE.ZLOCALAVAILABILITY: 1 when the bytes are on this Mac (-1: iCloud only)
LOCALLY_AVAILABLE = 1

# Where a face's centre lands on the displayed image for each EXIF orientation, starting
# from the stored centre with y turned to grow downwards (x, y): whether x and y trade
# places, then whether the first and the second coordinate are mirrored (1 - value).
# Orientation 0 is an edit that names none, and is shown as stored.
FACE_TURNS: dict[int, tuple[bool, bool, bool]] = {
    0: (False, False, False),
    1: (False, False, False),
    2: (False, True, False),
    3: (False, True, True),
    4: (False, False, True),
    5: (True, False, False),
    6: (True, False, True),
    7: (True, True, True),
    8: (True, True, False),
}

# The uniform type identifier macOS gives each RAW file extension.
RAW_TYPES: dict[str, str] = {
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

"""Our decoding of Photos' values (``source/decode.py``) and our table of its releases
(``source/photos_schema.py``) say what osxphotos, the reference reader, says."""

from __future__ import annotations

import json
import os
import plistlib
import time
import unicodedata
import zlib
from collections.abc import Iterator
from itertools import product
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from osxphotos._constants import _DB_TABLE_NAMES
from osxphotos.adjustmentsinfo import AdjustmentsInfo
from osxphotos.personinfo import FaceInfo
from osxphotos.photos_datetime import photos_datetime, photos_datetime_local
from osxphotos.photosdb import photosdb_utils
from osxphotos.uti import get_uti_for_extension
from osxphotos.utils import list_directory

from bench.inflate import make_large_library
from photos_sync.source import decode
from photos_sync.source.decode import (
    FolderNames,
    capture_date,
    edit_orientation,
    face_area,
    local_date,
    raw_type,
)
from photos_sync.source.library import PhotosLibrary
from photos_sync.source.photos_schema import RAW_TYPES, RELEASES, Release
from tests.test_library_reader import differences

# osxphotos' number for each of our releases, in their order (9.6: Photos 9 from macOS
# 14.6 on; 9.9: the beta of Photos 10).
OSXPHOTOS_NUMBERS = (5, 6, 7, 8, 9, 9.6, 9.9, 10, 11, 11.1, 12)


def _osxphotos_names(release: Release) -> dict[str, str]:
    """Our columns under the keys of osxphotos' table of names."""
    table = release.asset_table
    return {
        "ASSET": table,
        "HAS_ADJUSTMENTS": f"{table}.{release.edited_column}",
        "HDR_TYPE": release.hdr_column,
        "DEPTH_STATE": f"{table}.{release.depth_column}",
        "MASTER_FINGERPRINT": f"ZADDITIONALASSETATTRIBUTES.{release.fingerprint_column}",
        "KEYWORD_JOIN": f"Z_1KEYWORDS.{release.keyword_column}",
        "DETECTED_FACE_ASSET_FK": f"ZDETECTEDFACE.{release.face_asset_column}",
        "DETECTED_FACE_PERSON_FK": f"ZDETECTEDFACE.{release.face_person_column}",
    }


def test_releases_and_their_names_are_those_osxphotos_knows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert len(RELEASES) == len(OSXPHOTOS_NUMBERS) == len(_DB_TABLE_NAMES)
    for release, number in zip(RELEASES, OSXPHOTOS_NUMBERS, strict=True):
        for model in release.models:
            monkeypatch.setattr(photosdb_utils, "get_model_version", lambda _, m=model: m)
            assert photosdb_utils.get_photos_version_from_model("Photos.sqlite") == number
        theirs = _DB_TABLE_NAMES[number]
        assert _osxphotos_names(release) == {key: theirs[key] for key in _osxphotos_names(release)}


@pytest.fixture(params=["UTC", "America/New_York", "Asia/Kolkata"])
def local_zone(request: pytest.FixtureRequest) -> Iterator[str]:
    """This computer's zone: osxphotos reads a moment as local time first."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = request.param
    time.tzset()
    yield request.param
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


MOMENTS = [
    None,
    0.0,
    600_000_000.5,
    637_408_800.0,  # 2021-03-14 10:00 UTC: New York moves its clocks
    657_966_600.0,  # 2021-11-07 08:30 UTC: ... and back
    123_456_789_012_345.0,  # a damaged row: past year 9999
]
ZONES = [
    None,
    "",
    "  ",
    "UTC",
    "GMT",
    "Z",
    "America/Los_Angeles",
    "Europe/Paris",
    "Asia/Kolkata",
    "Australia/Adelaide",
    "GMT-0700",
    "GMT+0530",
    "+05:30",
    "5:30",
    "PST",
    "IDT",
    "Nowhere/Bogus",
]
OFFSETS = [None, 0, -25200, 19800, 34200]


def test_dates_are_osxphotos_dates(local_zone: str) -> None:
    """The same moment at the same offset, for zone names, offsets written out, the
    abbreviations osxphotos resolves itself, and no zone at all."""
    for moment, zone, offset in product(MOMENTS, ZONES, OFFSETS):
        ours = capture_date(moment, offset, zone)
        theirs = photos_datetime(moment, offset or 0, zone, default=True)
        assert (ours, ours.isoformat()) == (theirs, theirs.isoformat()), (moment, zone, offset)


def test_plain_zones_are_not_asked_of_osxphotos() -> None:
    """Zone names and offsets are what Photos stores; only odd tokens go to osxphotos."""
    assert decode._place("Europe/Paris", 3600) is not None
    assert decode._place("GMT-0700", -25200) == decode._place(None, -25200)
    assert decode._place("+05:30", 19800) == decode._place(None, 19800)
    assert decode._place("GMT-0700", 3600) is None  # says another offset than the stored
    assert decode._place("PST", -28800) is None


def test_modification_dates_are_osxphotos_dates(local_zone: str) -> None:
    for moment in MOMENTS:
        ours, theirs = local_date(moment), photos_datetime_local(moment)
        assert ours == theirs
        assert (ours and ours.isoformat()) == (theirs and theirs.isoformat())


@pytest.mark.parametrize("orientation", range(10))
@pytest.mark.parametrize("size", [(4032, 3024), (3024, 4032), (0, 3024)])
def test_face_boxes_are_osxphotos_boxes(orientation: int, size: tuple[int, int]) -> None:
    width, height = size
    face = FaceInfo.__new__(FaceInfo)
    face.center_x, face.center_y, face.size = 0.3, 0.8, 0.12
    face._photo = SimpleNamespace(width=width, height=height, orientation=orientation)
    assert face_area((0.3, 0.8), 0.12, width, height, orientation) == tuple(face.mwg_rs_area)


def _adjustments(data: Any) -> dict[str, Any]:
    return {"adjustmentFormatIdentifier": "com.apple.photo", "adjustmentData": data}


TURNED = json.dumps({"metadata": {"orientation": 6}, "formatVersion": 1}).encode()
PLISTS: dict[str, Any] = {
    "deflated JSON": _adjustments(zlib.compress(TURNED)[2:-4]),
    "zlib JSON": _adjustments(zlib.compress(TURNED)),
    "plain JSON": _adjustments(TURNED),
    "JSON as text": _adjustments(TURNED.decode()),
    "binary plist": _adjustments(
        plistlib.dumps({"metadata": {"orientation": 8}}, fmt=plistlib.FMT_BINARY)
    ),
    "no orientation": _adjustments(json.dumps({"metadata": {}}).encode()),
    "metadata not a dict": _adjustments(json.dumps({"metadata": [1]}).encode()),
    "undecodable": _adjustments(b"\x00\x01 not anything"),
    "a number": _adjustments(7),
    "no data": {"adjustmentFormatIdentifier": "com.apple.photo"},
}


def test_edit_orientations_are_osxphotos_orientations(
    tmp_path: Path, shared_libraries: dict[str, Path]
) -> None:
    plists = [
        p for lib in shared_libraries.values() for p in lib.glob("resources/renders/*/*.plist")
    ]
    assert plists, "the fixtures have edited photos"
    for name, content in PLISTS.items():
        plists.append(tmp_path / f"{name}.plist")
        plists[-1].write_bytes(plistlib.dumps(content))
    plists.append(tmp_path / "not a plist.plist")
    plists[-1].write_bytes(b"garbage")
    seen = set()
    for path in plists:
        ours = edit_orientation(str(path))
        assert ours == AdjustmentsInfo(str(path)).adj_orientation, path.name
        seen.add(ours)
    assert {0, 6, 8} <= seen


@pytest.mark.parametrize("extension", [*RAW_TYPES, "DNG", ".nef", ".Cr3", "xyz", ""])
def test_raw_types_are_osxphotos_types(extension: str) -> None:
    assert raw_type(extension) == get_uti_for_extension(extension)


def test_raw_files_are_found_as_osxphotos_finds_them(tmp_path: Path) -> None:
    names = [
        "IMG_0001.JPG",
        "IMG_0001_4.CR2",
        "img_0002_4.dng",
        "IMG_0002_4.DNG",
        unicodedata.normalize("NFD", "Café_4.NEF"),
        "Café.JPG",
    ]
    for name in names:
        (tmp_path / name).write_bytes(b"")
    listing = FolderNames(os.listdir(tmp_path))
    for prefix in ("IMG_0001_4", "IMG_0002_4", "img_0001_4", "Café_4", "IMG_0003_4", ""):
        assert listing.beginning(prefix) == list_directory(str(tmp_path), startswith=prefix)


def test_both_readers_agree_on_every_asset_of_an_inflated_library(tmp_path: Path) -> None:
    """Beyond the fixtures: a library grown to 2,000 assets (the benchmark's inflater,
    new UUIDs and hashes per copy) is read in bulk by the direct reader, and every record
    equals the one made from osxphotos' answer. ``python -m bench.library_bench --compare``
    does the same at 100,000."""
    library = PhotosLibrary(make_large_library(tmp_path, 2000))
    entries = library.entries()
    ours = {asset.uuid: asset for asset in library.read(entries)}
    assert library._db is None  # the direct reader answered for all of them
    theirs = {asset.uuid: asset for asset in library.read(entries, direct=False)}
    assert len(ours) == 2000
    assert differences(ours, theirs) == {}

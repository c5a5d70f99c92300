"""The copies of osxphotos' conversions (``source/conversions.py``) say what osxphotos says."""

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

from photos_sync.source import conversions
from photos_sync.source.conversions import (
    NAME_KEYS,
    RAW_TYPES,
    RELEASES,
    TABLE_NAMES,
    Listing,
    edit_orientation,
    face_area,
    photos_date,
    photos_date_local,
    raw_type,
)


def test_releases_and_table_names_are_osxphotos_own(monkeypatch: pytest.MonkeyPatch) -> None:
    for (low, high), release in RELEASES:
        for model in (low, high):
            monkeypatch.setattr(photosdb_utils, "get_model_version", lambda _, m=model: m)
            assert photosdb_utils.get_photos_version_from_model("Photos.sqlite") == release
    assert set(TABLE_NAMES) == set(_DB_TABLE_NAMES)
    for release, names in TABLE_NAMES.items():
        assert names == {key: _DB_TABLE_NAMES[release][key] for key in NAME_KEYS}


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
        ours = photos_date(moment, offset, zone)
        theirs = photos_datetime(moment, offset or 0, zone, default=True)
        assert (ours, ours.isoformat()) == (theirs, theirs.isoformat()), (moment, zone, offset)


def test_plain_zones_are_not_asked_of_osxphotos() -> None:
    """Zone names and offsets are what Photos stores; only odd tokens go to osxphotos."""
    assert conversions._zone("Europe/Paris", 3600) is not None
    assert conversions._zone("GMT-0700", -25200) == -25200
    assert conversions._zone(None, 19800) == 19800
    assert conversions._zone("PST", -28800) is None


def test_modification_dates_are_osxphotos_dates(local_zone: str) -> None:
    for moment in MOMENTS:
        ours, theirs = photos_date_local(moment), photos_datetime_local(moment)
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
    listing = Listing(os.listdir(tmp_path))
    for prefix in ("IMG_0001_4", "IMG_0002_4", "img_0001_4", "Café_4", "IMG_0003_4", ""):
        assert listing.starting(prefix) == list_directory(str(tmp_path), startswith=prefix)

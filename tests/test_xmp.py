"""The XMP sidecar an upload carries, read back with exiftool (Debian's
libimage-exiftool-perl: the reader Immich itself runs, through exiftool-vendored), so what
Immich will see is what photos-sync meant, for any text a user can type."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from photos_sync.plan.metadata import (
    FaceRegion,
    MetadataOptions,
    SidecarFields,
    carried_by_sidecar,
    stored_region,
    xml_text,
)
from photos_sync.upload.xmp import gps_coordinate, xmp_packet

EXIFTOOL = shutil.which("exiftool")
needs_exiftool = pytest.mark.skipif(
    EXIFTOOL is None, reason="exiftool not installed (Debian: libimage-exiftool-perl)"
)

ODD_TEXTS = (
    "AC/DC",
    "AC|DC",
    "Rock & Roll <live>",
    'the "best" day',
    "  leading and trailing  ",
    "1984",
    "1e3",
    "-0",
    "TRUE",
    "a, b; c",
    "Zoë, Ærø, 東京, 😀",
    "tab\there",
    "line\nbreak",
    "bell\x07and\x01null\x00",
    "x" * 2000,
    "]]>",
    "&amp; already escaped",
)


def read_back(packets: list[bytes], folder: Path) -> list[dict[str, Any]]:
    """exiftool's reading of each packet, as Immich's reader gets it (lists kept as lists,
    GPS as signed numbers: exiftool-vendored asks for them so)."""
    paths = []
    for number, packet in enumerate(packets):
        path = folder / f"{number}.xmp"
        path.write_bytes(packet)
        paths.append(str(path))
    assert EXIFTOOL is not None
    out = subprocess.run(
        [EXIFTOOL, "-j", "-n", "-struct", "-charset", "utf8", *paths],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    by_file = {item["SourceFile"]: item for item in json.loads(out)}
    return [by_file[path] for path in paths]


def _tags(found: dict[str, Any]) -> list[Any]:
    tags = found.get("TagsList", [])
    return list(tags) if isinstance(tags, list) else [tags]


def same(read: Any, text: str) -> bool:
    """exiftool reads a text that looks like a number or a truth value as such (JSON), and
    Immich takes it back with ``String()``: "1984" stays, "1.50" would be "1.5" and "TRUE"
    "true" in Immich, as for a keyword Immich reads from any file."""
    if isinstance(read, bool):
        return text.strip().lower() == str(read).lower()
    if isinstance(read, int | float):
        try:
            return float(text) == read
        except ValueError:
            return False
    return bool(read == text)


def same_tags(read: list[Any], texts: tuple[str, ...] | list[str]) -> bool:
    return len(read) == len(texts) and all(map(same, read, texts))


@needs_exiftool
def test_every_field_reads_back_as_it_was_meant(tmp_path: Path) -> None:
    fields = SidecarFields(
        description='Kids in pumpkin field\n\nOctober, with <grandma> & "Rex"',
        date="2019-04-15T14:40:24.086000-04:00",
        location=(-33.8568, 151.2153),
        tags=("Pumpkin", "people|Jane Doe", "people/Jane Doe"),
    )
    (found,) = read_back([xmp_packet(fields)], tmp_path)
    assert found["Description"] == found["ImageDescription"] == fields.description
    assert found["DateTimeOriginal"] == "2019:04:15 14:40:24.086000-04:00"
    assert found["GPSLatitude"] == pytest.approx(-33.8568, abs=1e-7)
    assert found["GPSLongitude"] == pytest.approx(151.2153, abs=1e-7)
    assert same_tags(_tags(found), fields.tags)


@needs_exiftool
def test_odd_keywords_and_texts_arrive_as_one_tag_each(tmp_path: Path) -> None:
    """Each keyword a user can type is one tag, spelled as planned (a "/" as "|", the
    characters XML cannot hold left out); a description keeps its text, line breaks and a
    carriage return included."""
    options = MetadataOptions()
    packets, wanted = [], []
    for text in ODD_TEXTS:
        fields, _ = carried_by_sidecar({"description": text, "keywords": [text]}, options)
        packets.append(xmp_packet(fields))
        wanted.append(fields)
    packets.append(xmp_packet(SidecarFields(description="carriage\r\nreturn")))
    for fields, found in zip(wanted, read_back(packets, tmp_path), strict=False):
        assert same_tags(_tags(found), fields.tags)
        assert len(fields.tags) == 1 and "/" not in fields.tags[0]
        assert same(found.get("Description", ""), fields.description)
    assert read_back(packets[-1:], tmp_path)[0]["Description"] == "carriage\r\nreturn"


@needs_exiftool
@settings(max_examples=25, deadline=None, derandomize=True)
@given(
    keywords=st.lists(st.text(min_size=1, max_size=40), min_size=1, max_size=5, unique=True),
    description=st.text(max_size=200),
)
def test_any_text_a_user_can_type_survives(
    tmp_path_factory: pytest.TempPathFactory, keywords: list[str], description: str
) -> None:
    fields, sent = carried_by_sidecar(
        {"description": description, "keywords": keywords}, MetadataOptions()
    )
    (found,) = read_back([xmp_packet(fields)], tmp_path_factory.mktemp("xmp"))
    assert list(fields.tags) == sent["keywords"]
    assert same_tags(_tags(found), fields.tags)
    assert same(found.get("Description", ""), xml_text(description))


def test_a_sidecar_counts_as_sent_what_the_metadata_step_would_send() -> None:
    """What the upload records as sent is what the metadata step compares with Photos: so a
    later run finds nothing left of it to send."""
    desired = {
        "description": "Title\n\nCaption",
        "keywords": ["b", "a/b", "   "],
        "persons": ["Jane"],
        "date": "2019-04-15T14:40:24.086000-04:00",
        "location": [1.5, -2.25],
    }
    fields, sent = carried_by_sidecar(desired, MetadataOptions(people_tags=True))
    assert sent == {
        "description": "Title\n\nCaption",
        "keywords": ["a|b", "b", "people/Jane"],
        "date": "2019-04-15T14:40:24.086000-04:00",
        "location": [1.5, -2.25],
    }
    assert fields.tags == ("a|b", "b", "people/Jane") and fields.location == (1.5, -2.25)
    assert carried_by_sidecar({}, MetadataOptions())[0].empty


@pytest.mark.parametrize(
    ("value", "written"),
    [(41.4, "41,24.00000000N"), (-86.05, "86,3.00000000S"), (0.0, "0,0.00000000N")],
)
def test_gps_coordinates_are_degrees_and_minutes(value: float, written: str) -> None:
    assert gps_coordinate(value, "N", "S") == written


def _as_immich_shows(region: dict[str, Any], orientation: int) -> tuple[float, ...]:
    """What Immich 3.1.0 does to a file's region before placing its face
    (metadata.service.ts, orientRegionInfo), written here as facts: the centre moved by the
    file's orientation, width and height traded when it turns the image sideways."""
    x, y, w, h = (float(region["Area"][k]) for k in ("X", "Y", "W", "H"))
    moved = {
        2: (1 - x, y),
        3: (1 - x, 1 - y),
        4: (x, 1 - y),
        5: (y, x),
        6: (1 - y, x),
        7: (1 - y, 1 - x),
        8: (y, 1 - x),
    }.get(orientation, (x, y))
    return (*moved, *((h, w) if orientation in (5, 6, 7, 8) else (w, h)))


@needs_exiftool
def test_faces_are_regions_that_immich_places_where_photos_shows_them(tmp_path: Path) -> None:
    """Photos' boxes are on the image as shown; MWG regions (and Immich) count on the image
    as stored: for every orientation, what exiftool reads, turned as Immich turns it, is
    the box Photos showed."""
    box = (0.1, 0.2, 0.4, 0.6)  # left, top, right, bottom
    shown_centre_and_size = (0.25, 0.4, 0.3, 0.4)
    packets = []
    for orientation in range(1, 9):
        region = FaceRegion("Zoë & <Jo>", *stored_region(box, orientation))
        packets.append(xmp_packet(SidecarFields(faces=(region,), stored_size=(4032, 3024))))
    for orientation, found in enumerate(read_back(packets, tmp_path), start=1):
        info = found["RegionInfo"]
        assert info["AppliedToDimensions"] == {"W": 4032, "H": 3024, "Unit": "pixel"}
        (region,) = info["RegionList"]
        assert region["Name"] == "Zoë & <Jo>" and region["Type"] == "Face"
        assert region["Area"]["Unit"] == "normalized"
        shown = _as_immich_shows(region, orientation)
        assert shown == pytest.approx(shown_centre_and_size, abs=1e-6), orientation


def test_a_sidecar_without_faces_has_no_regions() -> None:
    assert b"Regions" not in xmp_packet(SidecarFields(description="x"))
    assert b"Regions" not in xmp_packet(SidecarFields(faces=(FaceRegion("a", 0, 0, 1, 1),)))

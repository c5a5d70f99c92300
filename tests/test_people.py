"""People, with their faces, as Immich people (issue 15, part 1): each named person of Photos
made once, each named face a box on its photo where the Photos database puts it; renames,
faces taken away and people deleted in Immich follow; unnamed faces are left to Immich."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import osxphotos
import pytest
from PIL import Image

from photos_sync.immich import permissions
from tests.conftest import CliResult, run_json
from tests.support.fixtures import open_for_edit
from tests.support.immich_double import ImmichDouble
from tests.support.immich_double.state import Person
from tests.support.outcomes import assert_one_clear_line, tracker_rows

Run = Callable[..., CliResult]
TEST_26 = "Test-26.1.photoslibrary"
PIXELS = 3  # how far a box may be from where the Photos database puts the face


Expected = dict[tuple[str, str], tuple[tuple[float, ...], Path]]


def _expected_faces(library: Path, imported: set[str]) -> Expected:
    """(photo UUID, person name) -> (the face box in pixels of the image as Photos shows
    it, that image's file: the rendering of an edited photo), computed straight from the
    database's values: a centre (y growing upwards) and a size relative to the longer side
    (the fixture's photos with faces are upright, orientation 1)."""
    found: Expected = {}
    for photo in osxphotos.PhotosDB(dbfile=str(library)).photos():
        if photo.uuid not in imported:
            continue
        shown = Path(photo.path_edited if photo.hasadjustments else photo.path)
        for face in photo.face_info:
            if not face.name or face.name == "_UNKNOWN_":
                continue
            assert photo.orientation == 1  # the formula below is for upright photos
            x, y = face.center_x * photo.width, (1 - face.center_y) * photo.height
            half = face.size * max(photo.width, photo.height) / 2
            found[(photo.uuid, face.name)] = ((x - half, y - half, x + half, y + half), shown)
    return found


def _faces_on_server(immich: ImmichDouble, ids: dict[str, str]) -> dict[tuple[str, str], Any]:
    """(photo UUID, person name) -> the face on the server; ``ids``: Immich id -> UUID."""
    by_immich_id = ids
    return {
        (by_immich_id[f.asset_id], immich.state.people[f.person_id].name): f
        for f in immich.state.faces.values()
    }


def _imported_ids(data_dir: Path) -> tuple[dict[str, sqlite3.Row], dict[str, str]]:
    """The imported rows by UUID, and the Immich asset each photo's faces belong on -> UUID."""
    imported = {u: r for u, r in tracker_rows(data_dir).items() if r["status"] == "imported"}
    ids: dict[str, str] = {}
    for photo_uuid, row in imported.items():
        companions = json.loads(row["companions"] or "{}")
        ids[companions.get("edited") or row["immich_id"]] = photo_uuid
    return imported, ids


def test_named_people_become_immich_people_with_their_faces_in_place(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    library = library_copy(TEST_26)
    configure(library)
    summary = run_json(run_cli, "import", "--with-edits")
    imported, ids = _imported_ids(data_dir)
    expected = _expected_faces(library, set(imported))
    assert len(expected) >= 4  # the fixture's named faces on imported photos
    names = {name for _, name in expected}
    assert sorted(p.name for p in immich.state.people.values()) == sorted(names)
    made = summary["people_created"] + summary["metadata"]["people_created"]
    assert made == len(names)  # before the uploads, or after them for faces on edited copies
    placed = _faces_on_server(immich, ids)
    assert set(placed) == set(expected)  # unnamed faces are not sent
    for key, (box, shown) in expected.items():
        face = placed[key]
        with Image.open(shown) as image:
            assert (face.image_width, face.image_height) == image.size
            crop = image.crop(face.box)
            assert crop.size[0] > 10 and crop.size[1] > 10
        errors = [abs(a - b) for a, b in zip(face.box, box, strict=True)]
        assert max(errors) <= PIXELS, (key, face.box, box)
    again = run_json(run_cli, "sync")
    assert again["metadata"]["faces"] == again["metadata"]["people_created"] == 0


def test_with_face_import_off_each_face_goes_as_soon_as_its_photo_is_uploaded(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    """Issue 29: where Immich does not import faces (its default), a photo's named faces
    are placed through ``POST /faces`` as soon as its upload returns, beside the uploads
    still to come, not in a step after all of them; their people made before the first
    upload. Each face once, where Photos puts it, said in the import's summary and left
    for no later step."""
    library = library_copy(TEST_26)
    configure(library)
    summary = run_json(run_cli, "import", "--concurrency", "1", "--with-edits")
    imported, ids = _imported_ids(data_dir)
    expected = _expected_faces(library, set(imported))
    placed = _faces_on_server(immich, ids)
    assert set(placed) == set(expected) and len(expected) >= 4
    for key, (box, _) in expected.items():
        errors = [abs(a - b) for a, b in zip(placed[key].box, box, strict=True)]
        assert max(errors) <= PIXELS, (key, placed[key].box, box)
    order = [seen.operation for seen in immich.requests]
    uploads = [i for i, operation in enumerate(order) if operation == "uploadAsset"]
    faces = [i for i, operation in enumerate(order) if operation == "createFace"]
    people = [i for i, operation in enumerate(order) if operation == "createPerson"]
    assert summary["people_created"] and max(people[: summary["people_created"]]) < min(uploads)
    assert min(faces) < max(uploads)  # not after the last upload: beside the others
    on_edits = [f for f in placed.values() if imported[ids[f.asset_id]]["immich_id"] != f.asset_id]
    assert on_edits  # an edited photo's faces go on its edited copy, once that is uploaded
    assert len(faces) == len(placed) == summary["faces_sent"] + len(on_edits)
    assert summary["metadata"]["faces"] == len(on_edits)
    made = summary["people_created"] + summary["metadata"]["people_created"]
    assert made == len(people) == len(immich.state.people)
    again = run_json(run_cli, "sync")
    assert again["metadata"]["faces"] == 0 and len(immich.state.faces) == len(placed)


def test_a_face_refused_beside_the_uploads_is_placed_after_them(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    """A face Immich refuses as its photo's upload returns fails neither the upload nor
    the run: the metadata step places it after the uploads, and no face is there twice."""
    library = library_copy(TEST_26)
    configure(library)
    immich.fail_next(1, status=400, operation="createFace")
    summary = run_json(run_cli, "import", "--with-edits")
    assert immich.faults_left == 0
    assert summary["failed"] == 0 and summary["metadata"]["faces"] >= 2  # it, and the edit's
    imported, ids = _imported_ids(data_dir)
    placed = _faces_on_server(immich, ids)
    assert set(placed) == set(_expected_faces(library, set(imported)))
    assert len(immich.state.faces) == len(placed)
    assert summary["faces_sent"] + summary["metadata"]["faces"] == len(placed)


def test_renames_and_faces_taken_away_in_photos_follow(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    library = library_copy(TEST_26)
    configure(library)
    run_json(run_cli, "import")
    with closing(open_for_edit(library)) as db, db:
        db.execute(
            "UPDATE ZPERSON SET ZFULLNAME = 'Katherine', ZDISPLAYNAME = 'Katherine'"
            " WHERE ZFULLNAME = 'Katie'"
        )
    renamed = run_json(run_cli, "sync")
    assert renamed["metadata"]["people_renamed"] >= 1
    assert "Katherine" in {p.name for p in immich.state.people.values()}
    assert "Katie" not in {p.name for p in immich.state.people.values()}
    photo = next(u for u, r in tracker_rows(data_dir).items() if r["filename"] == "Pumkins2.jpg")
    photo_id = tracker_rows(data_dir)[photo]["immich_id"]
    assert any(f.asset_id == photo_id for f in immich.state.faces.values())
    with closing(open_for_edit(library)) as db, db:  # Katie untagged from the photo
        asset = db.execute("SELECT Z_PK FROM ZASSET WHERE ZUUID = ?", (photo,)).fetchone()[0]
        column = next(
            c[1]
            for c in db.execute("PRAGMA table_info(ZDETECTEDFACE)")
            if c[1] in ("ZASSETFORFACE", "ZASSET")
        )
        db.execute(f"UPDATE ZDETECTEDFACE SET ZPERSONFORFACE = NULL WHERE {column} = ?", (asset,))
        db.execute(
            "UPDATE ZASSET SET ZMODIFICATIONDATE = ZMODIFICATIONDATE + 60 WHERE Z_PK = ?", (asset,)
        )
    taken = run_json(run_cli, "sync")
    assert taken["metadata"]["faces_removed"] == 1
    assert not any(f.asset_id == photo_id for f in immich.state.faces.values())


def test_a_person_deleted_in_immich_is_made_again(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    library = library_copy(TEST_26)
    configure(library)
    run_json(run_cli, "import", "--limit", "3")
    for person_id in list(immich.state.people):  # the user deleted them in Immich
        del immich.state.people[person_id]
        for face_id in [f for f, face in immich.state.faces.items() if face.person_id == person_id]:
            del immich.state.faces[face_id]
    assert run_json(run_cli, "sync")["ok"]
    faces = immich.state.faces.values()
    assert faces and all(f.person_id in immich.state.people for f in faces)
    names = [person.name for person in immich.state.people.values()]
    assert len(names) == len(set(names))  # each made again once, whatever its faces


def test_no_people_sends_none_and_a_key_without_them_is_refused_by_default(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configure(library_copy(TEST_26))
    granted = [p for p in permissions.every_permission() if p not in permissions.PEOPLE]
    monkeypatch.setenv("IMMICH_API_KEY", immich.add_key(granted))
    refused = run_cli("import")
    assert_one_clear_line(refused, "person.read", "face.create")
    assert immich.state.assets == {}
    assert run_cli("import", "--no-people").exit_code == 0  # remembered from now on
    assert immich.state.assets and not immich.state.people and not immich.state.faces
    assert run_cli("sync").exit_code == 0
    assert_one_clear_line(run_cli("sync", "--people"), "person.read", "face.create")
    assert run_cli("sync").exit_code == 0  # a refused choice is not remembered


def test_with_face_import_on_faces_ride_in_the_sidecars_and_land_alike(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    """Issue 29: where Immich imports faces, an original's named faces go in its sidecar
    (their people made first, so Immich gives the faces to them): no POST /faces for them,
    the same boxes as through the API, each person once, nothing sent again later. An
    edited photo's faces still go on its edited copy through the API."""
    immich.state.system_config["metadata"]["faces"]["import"] = True
    library = library_copy(TEST_26)
    configure(library)
    summary = run_json(run_cli, "import", "--with-edits")
    imported, ids = _imported_ids(data_dir)
    expected = _expected_faces(library, set(imported))
    names = {name for _, name in expected}
    assert sorted(p.name for p in immich.state.people.values()) == sorted(names)
    # each made once: before the uploads named them, or after (faces on edited copies only)
    assert immich.calls("createPerson") == len(names) == len(immich.state.people)
    assert summary["metadata"]["people_created"] < len(names)
    placed = _faces_on_server(immich, ids)
    assert set(placed) == set(expected)
    for key, (box, _) in expected.items():
        errors = [abs(a - b) for a, b in zip(placed[key].box, box, strict=True)]
        assert max(errors) <= PIXELS, (key, placed[key].box, box)
    riding = [f for f in placed.values() if f.source == "exif"]
    assert riding and immich.calls("createFace") == len(placed) - len(riding)
    # Immich draws no picture for a person it found rather than made: photos-sync picks one
    assert all(person.face_id for person in immich.state.people.values())
    assert all(imported[ids[f.asset_id]]["immich_id"] == f.asset_id for f in riding)
    again = run_json(run_cli, "sync")
    assert again["metadata"]["faces"] == again["metadata"]["people_created"] == 0
    assert len(immich.state.faces) == len(placed)  # never both ways


def test_a_name_immich_gives_someone_else_is_not_trusted_to_a_sidecar(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    """Immich's face import takes any person of the name; photos-sync takes one only when
    asked (--match-people-by-name). So a name the user already gave someone in Immich keeps
    its faces out of the sidecars: they go through the API to photos-sync's own person."""
    immich.state.system_config["metadata"]["faces"]["import"] = True
    library = library_copy(TEST_26)
    configure(library)
    on_originals = {
        face.name
        for photo in osxphotos.PhotosDB(dbfile=str(library)).photos()
        if photo.path and not photo.hasadjustments
        for face in photo.face_info
        if face.name and face.name != "_UNKNOWN_"
    }
    taken = sorted(on_originals)[0]
    key = next(iter(immich.state.keys.values()))
    stranger = Person(str(uuid.uuid4()), key.user, taken.upper())
    immich.state.people[stranger.id] = stranger
    run_json(run_cli, "import")
    assert not [f for f in immich.state.faces.values() if f.person_id == stranger.id]
    ours = [p for p in immich.state.people.values() if p.name == taken]
    assert len(ours) == 1 and any(f.person_id == ours[0].id for f in immich.state.faces.values())

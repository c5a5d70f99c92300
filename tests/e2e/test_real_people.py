"""People with their faces on a real Immich 3.1.0 (machine learning off): each named person
of Photos is an Immich person, each named face a manual face on its photo, and the
thumbnail Immich makes of the person shows the face: it looks like the box cut out of the
fixture image, and not like the rest of the photo."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import osxphotos
import pytest
from PIL import Image, ImageChops, ImageStat

from tests.conftest import CliResult, run_json
from tests.e2e.server import RealImmich, all_assets
from tests.support.outcomes import tracker_rows

Run = Callable[..., CliResult]
TEST_26 = "Test-26.1.photoslibrary"


def _difference(a: Image.Image, b: Image.Image) -> float:
    """Mean absolute difference of two images as small grey squares (0 same, 255 opposite)."""
    small = [im.convert("L").resize((24, 24)) for im in (a, b)]
    return float(ImageStat.Stat(ImageChops.difference(*small)).mean[0])


@pytest.mark.parametrize(
    ("faces_imported", "source"),
    [(False, "manual"), (True, "exif")],
    ids=["faces_through_the_api", "faces_in_the_sidecars"],
)
def test_people_and_faces_land_where_photos_puts_them(
    faces_imported: bool,
    source: str,
    request: pytest.FixtureRequest,
    run_cli: Run,
    shared_libraries: dict[str, Path],
    real_immich: RealImmich,
    real_user: str,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without face import, each face is placed through ``POST /faces`` ("manual"). With it
    (issue 29), an original's faces ride in its sidecar and Immich places them itself
    ("exif") on the people photos-sync made first; the same people, boxes and pictures, and
    a later run sends no face and makes no person."""
    if faces_imported:
        request.getfixturevalue("face_import")
    library = shared_libraries[TEST_26]
    monkeypatch.setenv("PHOTOS_LIBRARY", str(library))
    assert run_json(run_cli, "sync")["ok"]
    if faces_imported:  # a later run, Immich idle: pictures for what it had not read then
        real_immich.wait_until_idle()
        again = run_json(run_cli, "sync")
        assert again["ok"] and not (again["metadata"] or {}).get("faces")
        assert not (again["metadata"] or {}).get("people_created")
    sources: set[str] = set()  # of the faces seen
    real_immich.wait_until_idle()
    db = osxphotos.PhotosDB(dbfile=str(library))
    rows = {u: r for u, r in tracker_rows(data_dir).items() if r["status"] == "imported"}
    with real_immich.api(real_user) as client:
        people = {p["id"]: p["name"] for p in client.get("/people").json()["people"]}
        best: dict[str, tuple[float, float]] = {}  # person -> (closest look, elsewhere)
        for uuid, row in rows.items():
            photo = db.get_photo(uuid)
            named = [f for f in photo.face_info if f.name and f.name != "_UNKNOWN_"]
            if not named or photo.hasadjustments or json.loads(row["companions"] or "{}"):
                continue
            faces = client.get("/faces", params={"id": row["immich_id"]}).json()
            sources |= {str(face.get("sourceType")) for face in faces}
            assert sorted(people[f["person"]["id"]] for f in faces) == sorted(f.name for f in named)
            with Image.open(photo.path) as image:
                assert all((f["imageWidth"], f["imageHeight"]) == image.size for f in faces)
                for face in faces:
                    box = (
                        face["boundingBoxX1"],
                        face["boundingBoxY1"],
                        face["boundingBoxX2"],
                        face["boundingBoxY2"],
                    )
                    person = face["person"]["id"]
                    thumb = client.get(f"/people/{person}/thumbnail")
                    if thumb.status_code != 200 or not thumb.content:
                        continue  # made from another photo of this person
                    made = Image.open(io.BytesIO(thumb.content))
                    near = _difference(made, image.crop(box))
                    far = _difference(made, image.crop((0, 0, box[2] - box[0], box[3] - box[1])))
                    best[person] = min(best.get(person, (255.0, 0.0)), (near, far))
        assert set(people.values()) >= {"Katie", "Suzy"}
        # Each person's thumbnail is one of their boxes: nearly the same as that crop (seen:
        # 12-15 of 255), far from another part of the photo (seen: 77-106).
        assert {people[p] for p in best} >= {"Katie", "Suzy"}
        for near, far in best.values():
            assert near < 25 and far > 2 * near
    assert sources == {source}


def _what_the_server_holds(client: Any) -> dict[str, Any]:
    """Counts a second copy of anything would change: assets, albums by name, people by
    name, faces by (asset, person name)."""
    assets = all_assets(client)
    people = {p["id"]: p["name"] for p in client.get("/people").json()["people"]}
    faces = sorted(
        (a["id"], people.get((face.get("person") or {}).get("id"), "?"))
        for a in assets
        for face in client.get("/faces", params={"id": a["id"]}).json()
    )
    return {
        "assets": sorted(a["checksum"] for a in assets if not a.get("isTrashed")),
        "albums": sorted(a["albumName"] for a in client.get("/albums").json()),
        "people": sorted(people.values()),
        "faces": faces,
    }


def test_issue30_case_04_a_lost_tracker_moved_aside_makes_nothing_twice(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    real_immich: RealImmich,
    real_user: str,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The advice end to end on the real server: a tracker moved aside (as a damaged
    tracker's message says, putting tracker-snapshot.db back being the first choice), then
    a sync with a new one: no asset, album, person or face twice, and verify is clean."""
    monkeypatch.setenv("PHOTOS_LIBRARY", str(shared_libraries[TEST_26]))
    assert run_json(run_cli, "sync")["ok"]
    real_immich.wait_until_idle()
    with real_immich.api(real_user) as client:
        before = _what_the_server_holds(client)
    assert before["people"] and before["faces"] and before["albums"]
    (data_dir / "tracker.db").rename(data_dir / "tracker-aside.db")
    for leftover in data_dir.glob("tracker.db-*"):
        leftover.unlink()
    assert run_json(run_cli, "sync")["ok"]
    real_immich.wait_until_idle()
    with real_immich.api(real_user) as client:
        assert _what_the_server_holds(client) == before
    assert run_json(run_cli, "verify")["differences"] == []

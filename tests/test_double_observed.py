"""The double answers as the real Immich 3.1.0 did (shared/immich/observed-v3.1.0.md).

Each exchange is re-enacted in the recorded order against the double; status codes and
messages must be the recorded ones, bodies the recorded shape.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator

import httpx
import pytest

from tests.support.immich_double import ImmichDouble

DATES = {"fileCreatedAt": "2024-05-06T07:08:09.000Z", "fileModifiedAt": "2024-05-06T07:08:09.000Z"}
PHOTO1, PHOTO2, LIVE2, NOTE = b"\xff\xd8photo-one", b"\xff\xd8photo-two", b"mov-two", b"a note"


@pytest.fixture
def api() -> Iterator[tuple[httpx.Client, ImmichDouble]]:
    with ImmichDouble() as immich:
        key = immich.add_key(["all"])
        with httpx.Client(base_url=immich.url + "/api", headers={"x-api-key": key}) as client:
            yield client, immich
        assert immich.violations == []


def upload(client: httpx.Client, name: str, data: bytes, **fields: str) -> httpx.Response:
    return client.post("/assets", data={**DATES, **fields}, files={"assetData": (name, data)})


def test_recorded_exchanges(api: tuple[httpx.Client, ImmichDouble]) -> None:
    client, immich = api
    # 1, 2, 3: ping, version, about without a key
    assert client.get("/server/ping").json() == {"res": "pong"}
    assert client.get("/server/version").json() == {
        "major": 3,
        "minor": 1,
        "patch": 0,
        "prerelease": None,
    }
    no_key = httpx.get(f"{immich.url}/api/server/about")
    assert (no_key.status_code, no_key.json()) == (401, {"message": "Authentication required"})
    # 14: a wrong key
    wrong = client.get("/server/about", headers={"x-api-key": "nope"})
    assert (wrong.status_code, wrong.json()) == (401, {"message": "Invalid API key"})
    # 17: no file
    missing = client.post("/assets", files={name: (None, value) for name, value in DATES.items()})
    assert (missing.status_code, missing.json()) == (400, {"message": "File is required"})
    assert immich.violations.pop() == "uploadAsset: no assetData file"
    # 18, 19, 20: created, then duplicate (also under another name)
    first = upload(client, "photo1.jpg", PHOTO1)
    assert first.status_code == 201 and first.json()["status"] == "created"
    again = upload(client, "photo1.jpg", PHOTO1)
    assert (again.status_code, again.json()) == (
        200,
        {"status": "duplicate", "id": first.json()["id"]},
    )
    renamed = upload(client, "photo1.jpg", PHOTO1, filename="renamed.jpg")
    assert renamed.json() == {"status": "duplicate", "id": first.json()["id"]}
    # 21: x-immich-checksum of a known file: duplicate without reading the body
    sha1 = hashlib.sha1(PHOTO1).hexdigest()
    early = client.post(
        "/assets",
        data=DATES,
        files={"assetData": ("photo1.jpg", PHOTO1)},
        headers={"x-immich-checksum": sha1},
    )
    assert early.json() == {"status": "duplicate", "id": first.json()["id"]}
    # 23: a v2-style duration is refused by v3
    v2 = upload(client, "live3.mp4", b"mp4", duration="0:00:01.000000")
    assert v2.status_code == 400 and v2.json()["message"] == "Validation failed"
    assert "duration" in immich.violations.pop()
    # 24: bulk check, hex and base64, known and unknown
    check = client.post(
        "/assets/bulk-upload-check",
        json={
            "assets": [
                {"id": "a-hex", "checksum": sha1},
                {
                    "id": "a-b64",
                    "checksum": base64.b64encode(hashlib.sha1(PHOTO1).digest()).decode(),
                },
                {"id": "b", "checksum": hashlib.sha1(PHOTO2).hexdigest()},
            ]
        },
    ).json()["results"]
    assert [r["action"] for r in check] == ["reject", "reject", "accept"]
    assert check[0] == {
        "id": "a-hex",
        "action": "reject",
        "reason": "duplicate",
        "assetId": first.json()["id"],
        "isTrashed": False,
    }
    # 25: the v2 route is gone (the double also notes the call as outside the contract)
    gone = client.post("/assets/exist", json={})
    assert (gone.status_code, gone.json()) == (404, {"message": "Cannot POST /api/assets/exist"})
    assert immich.violations.pop() == "POST /api/assets/exist: no such route in Immich"
    # 26, 27: video first, then the photo linked to it; the video is hidden
    video = upload(client, "live2.MOV", LIVE2).json()["id"]
    photo2 = upload(client, "photo2.jpg", PHOTO2, livePhotoVideoId=video).json()["id"]
    assert client.get(f"/assets/{photo2}").json()["livePhotoVideoId"] == video
    assert client.get(f"/assets/{video}").json()["visibility"] == "hidden"
    # 30 (unlink and relink), 31: linking to an image is refused
    unlinked = client.put(f"/assets/{photo2}", json={"livePhotoVideoId": None})
    assert unlinked.status_code == 200
    assert client.get(f"/assets/{video}").json()["visibility"] == "timeline"
    client.put(f"/assets/{photo2}", json={"livePhotoVideoId": video})
    assert client.get(f"/assets/{video}").json()["visibility"] == "hidden"
    to_image = client.put(f"/assets/{first.json()['id']}", json={"livePhotoVideoId": photo2})
    assert (to_image.status_code, to_image.json()) == (
        400,
        {"message": "Live photo video must be a video"},
    )
    # 37, 38: an unknown id, and not an id at all
    unknown = client.get("/assets/00000000-0000-4000-8000-000000000000")
    assert (unknown.status_code, unknown.json()) == (
        400,
        {"message": "Not found or no asset.read access"},
    )
    assert client.get("/assets/not-a-uuid").status_code == 400
    assert "not-a-uuid" in immich.violations.pop()
    # 42: adding an unknown asset to an album
    album = client.post("/albums", json={"albumName": "A", "assetIds": [first.json()["id"]]})
    assert album.status_code == 201 and "assets" not in album.json()
    assert album.json()["albumUsers"][0]["role"] == "owner"
    added = client.put(
        f"/albums/{album.json()['id']}/assets",
        json={"ids": ["00000000-0000-4000-8000-000000000000", first.json()["id"]]},
    )
    assert added.json() == [
        {"id": "00000000-0000-4000-8000-000000000000", "success": False, "error": "no_permission"},
        {"id": first.json()["id"], "success": False, "error": "duplicate"},
    ]
    # 47, 48: unsupported file type; a live photo video that does not exist
    note = upload(client, "note.txt", NOTE)
    assert (note.status_code, note.json()) == (400, {"message": "Unsupported file type note.txt"})
    orphan = upload(
        client,
        "photo4.jpg",
        b"\xff\xd8four",
        livePhotoVideoId="00000000-0000-4000-8000-000000000000",
    )
    assert orphan.json() == {"message": "Live photo video not found"}
    # 52, 53, 54: trashed, still found by the bulk check, and a re-upload is a duplicate
    photo4 = upload(client, "photo4.jpg", b"\xff\xd8four").json()["id"]
    assert client.request("DELETE", "/assets", json={"ids": [photo4]}).status_code == 204
    trashed = client.post(
        "/assets/bulk-upload-check",
        json={"assets": [{"id": "p4", "checksum": hashlib.sha1(b"\xff\xd8four").hexdigest()}]},
    ).json()
    assert trashed["results"][0]["isTrashed"] is True
    reupload = upload(client, "photo4.jpg", b"\xff\xd8four")
    assert (reupload.status_code, reupload.json()["id"]) == (200, photo4)
    assert client.get(f"/assets/{photo4}").json()["isTrashed"] is True

"""Why photos-sync sends tags before any other metadata: measured on the real Immich 3.1.0.

Immich queues a SidecarWrite job after every tag and every field change (favorite,
description, date, place) and runs five at once; the extraction that follows each one
reads the XMP back as the asset's tags. N copies of a fixture photo (each with its own
checksum) are uploaded by a new user, the server is left to finish reading them, then each
gets a description, a date and a favorite and one tag, in the order named; once the queues
are idle again, every asset is read back: how many lost the tag (or the description).

    python -m bench.sidecar_race --real /var/cache/photos-sync-immich [--photos 60]
        [--rounds 2]
"""

from __future__ import annotations

import argparse
import os
import uuid
from pathlib import Path

import httpx

from tests.e2e.server import RealImmich

FIXTURE = next(
    (Path(__file__).parent.parent / "tests/fixtures/photos-libraries/Test-26.1.photoslibrary")
    .joinpath("originals")
    .rglob("*.jpeg")
)
ORDERS = ("fields-then-tags", "tags-then-fields")  # before and after the fix


def _upload(client: httpx.Client, count: int) -> list[str]:
    data = FIXTURE.read_bytes()
    ids = []
    for i in range(count):
        made = client.post(
            "/assets",
            files={"assetData": (f"p{i}.jpg", data + uuid.uuid4().bytes, "image/jpeg")},
            data={
                "deviceAssetId": f"race-{i}",
                "deviceId": "bench",
                "fileCreatedAt": "2020-01-01T00:00:00Z",
                "fileModifiedAt": "2020-01-01T00:00:00Z",
            },
        )
        made.raise_for_status()
        ids.append(made.json()["id"])
    return ids


def _fields(client: httpx.Client, ids: list[str]) -> None:
    client.put("/assets", json={"ids": ids, "isFavorite": True}).raise_for_status()
    for asset_id in ids:
        client.put(
            f"/assets/{asset_id}",
            json={"description": "hello", "dateTimeOriginal": "2019-05-05T10:00:00+02:00"},
        ).raise_for_status()


def run_once(real: RealImmich, photos: int, order: str) -> tuple[int, int]:
    """(assets that lost the tag, assets that lost the description)."""
    with real.api(real.new_user()) as client:
        ids = _upload(client, photos)
        real.wait_until_idle()
        tag = client.put("/tags", json={"tags": ["Kids"]}).json()[0]["id"]

        if order == "fields-then-tags":
            _fields(client, ids)
        client.put("/tags/assets", json={"tagIds": [tag], "assetIds": ids}).raise_for_status()
        if order == "tags-then-fields":
            _fields(client, ids)
        real.wait_until_idle()
        seen = [client.get(f"/assets/{i}").json() for i in ids]
    no_tag = sum(1 for a in seen if not a.get("tags"))
    no_text = sum(1 for a in seen if (a["exifInfo"].get("description") or "") != "hello")
    return no_tag, no_text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", type=Path, required=True, help="the kit folder")
    parser.add_argument("--photos", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    os.environ["PHOTOS_SYNC_E2E_IMMICH_DIR"] = str(args.real)
    real = RealImmich.from_environment()
    assert real is not None, "not a kit folder"
    for round_ in range(args.rounds):
        for order in ORDERS if round_ % 2 == 0 else reversed(ORDERS):
            lost, text = run_once(real, args.photos, order)
            print(f"{order:18} {args.photos} photos: {lost} lost the tag, {text} the description")


if __name__ == "__main__":
    main()

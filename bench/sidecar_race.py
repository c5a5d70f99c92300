"""Why photos-sync sends tags before any other metadata: measured on the real Immich 3.1.0.

Immich queues a SidecarWrite job after every tag and every field change (favorite,
description, date, place) and runs five at once; the extraction that follows each one
reads the XMP back as the asset's tags and fields. N copies of a fixture photo (each with
its own checksum) are uploaded by a new user, the server is left to finish reading them,
then each gets a description, a date and a favorite and one tag, in the order named
("photos-sync": tags, then the fields once Immich has read back each tagged sidecar, then
the favorites once it has read back the fields', as ``send_metadata`` does); once the
queues are idle again, every asset is read back: how many lost the tag, the description or
the date.

    python -m bench.sidecar_race --real /var/cache/photos-sync-immich [--photos 60]
        [--rounds 2] [--orders photos-sync ...]
"""

from __future__ import annotations

import argparse
import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx

from bench import from_bytecode
from photos_sync.immich.client import ImmichClient
from photos_sync.upload.metadata import RewriteWatch
from photos_sync.workflow.metadata import ServerRewrites
from tests.e2e.server import RealImmich

FIXTURE = next(
    (Path(__file__).parent.parent / "tests/fixtures/photos-libraries/Test-26.1.photoslibrary")
    .joinpath("originals")
    .rglob("*.jpeg")
)
ORDERS = ("fields-then-tags", "tags-then-fields", "photos-sync")  # the fixes, in turn


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


def _fields(
    client: httpx.Client,
    ids: list[str],
    favorites_first: bool = True,
    before_favorites: Callable[[], None] = lambda: None,
) -> None:
    """A favorite for all, then a description and a date for each (``send_metadata``
    sends the favorites last: a favorite's rewrite begun before the fields were there
    queues a read-back that can land after theirs and undo them). ``before_favorites``:
    what happens between the fields and the favorites sent after them."""
    if favorites_first:
        client.put("/assets", json={"ids": ids, "isFavorite": True}).raise_for_status()
    for asset_id in ids:
        client.put(
            f"/assets/{asset_id}",
            json={"description": "hello", "dateTimeOriginal": "2019-05-05T10:00:00+02:00"},
        ).raise_for_status()
    if not favorites_first:
        before_favorites()
        client.put("/assets", json={"ids": ids, "isFavorite": True}).raise_for_status()


def run_once(real: RealImmich, photos: int, order: str) -> tuple[int, int, int, float]:
    """Assets that lost the tag, the description, the date; seconds from the first tag to
    the last field sent."""
    key = real.new_user()
    with real.api(key) as client, ImmichClient(real.url, key) as watched:
        ids = _upload(client, photos)
        real.wait_until_idle()
        tag = client.put("/tags", json={"tags": ["Kids"]}).json()[0]["id"]
        rewrites = ServerRewrites(watched)
        everything = set(ids)
        tags_read = rewrites.start(everything) if order == "photos-sync" else None
        fields_read: list[RewriteWatch] = []

        def fields_read_back() -> None:  # each group waits for the one before (send_metadata)
            if fields_read:
                assert not fields_read[0].wait(everything), "the wait ended first"

        if order == "fields-then-tags":
            _fields(client, ids)
        started = time.monotonic()
        client.put("/tags/assets", json={"tagIds": [tag], "assetIds": ids}).raise_for_status()
        if tags_read is not None:
            assert not tags_read.wait(everything), "the wait ended first"
            fields_read.append(rewrites.start(everything))
        if order != "fields-then-tags":
            _fields(client, ids, order != "photos-sync", fields_read_back)
        seconds = time.monotonic() - started
        real.wait_until_idle()
        seen = [client.get(f"/assets/{i}").json() for i in ids]
    no_tag = sum(1 for a in seen if not a.get("tags"))
    no_text = sum(1 for a in seen if (a["exifInfo"].get("description") or "") != "hello")
    no_date = sum(1 for a in seen if not a["exifInfo"]["dateTimeOriginal"].startswith("2019"))
    return no_tag, no_text, no_date, seconds


def main() -> None:
    from_bytecode()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", type=Path, required=True, help="the kit folder")
    parser.add_argument("--photos", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--orders", nargs="+", choices=ORDERS, default=list(ORDERS))
    args = parser.parse_args()
    os.environ["PHOTOS_SYNC_E2E_IMMICH_DIR"] = str(args.real)
    real = RealImmich.from_environment()
    assert real is not None, "not a kit folder"
    for round_ in range(args.rounds):
        for order in args.orders if round_ % 2 == 0 else reversed(args.orders):
            tag, text, date, seconds = run_once(real, args.photos, order)
            print(
                f"{order:18} {args.photos} photos: {tag} lost the tag, {text} the description,"
                f" {date} the date; tags to last field {seconds:.1f} s"
            )


if __name__ == "__main__":
    main()

"""Consecutive first syncs of one fixture library on the real Immich 3.1.0: what was lost.

Each run is a new Immich user and a new data folder; once Immich's queues are idle, every
asset is read back from the server and compared with what Photos shows (favorite,
description, keywords, albums, hidden, Live Photo link, place, the moment and the zone:
``tests/e2e/test_real_import.photos_differences``; and the named people on each original,
through the API or, where the server imports faces, from the sidecar). Issue 29 asks for
0 lost in 20 runs of Test-26.1; the seconds of each sync are printed beside it.

    python -m bench.first_syncs --real /var/cache/photos-sync-immich [--runs 20]
        [--library Test-26.1.photoslibrary]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path
from typing import Any

from bench import from_bytecode
from tests.e2e.server import RealImmich, albums, all_assets
from tests.e2e.test_real_import import checksum_index, photos_differences
from tests.support.fixtures import copy_library

PHOTOS_SYNC = str(Path(sys.executable).parent / "photos-sync")


def one_run(real: RealImmich, library: Path, data: Path) -> tuple[float, dict[str, list[str]]]:
    """Seconds of the sync, and what the server shows differently from Photos after it."""
    key = real.new_user()
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("IMMICH_", "PHOTOS_"))}
    env = {
        **keep,
        "IMMICH_URL": real.url,
        "IMMICH_API_KEY": key,
        "PHOTOS_LIBRARY": str(library),
        "PHOTOS_SYNC_DATA": str(data),
    }
    started = time.monotonic()
    done = subprocess.run(
        [PHOTOS_SYNC, "sync"], env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    seconds = time.monotonic() - started
    if done.returncode != 0:
        return seconds, {"(the sync)": [done.stderr.strip()[-300:]]}
    real.wait_until_idle()
    with real.api(key) as client:
        lost = photos_differences(library, checksum_index(all_assets(client)), albums(client))
        lost.update(_faces_lost(client, library, data))
        return seconds, lost


def _faces_lost(client: Any, library: Path, data: Path) -> dict[str, list[str]]:
    """Each imported original whose named people on the server are not those Photos shows."""
    import osxphotos

    with closing(sqlite3.connect(data / "tracker.db")) as tracker:
        ids = dict(
            tracker.execute(
                "SELECT icloud_uuid, immich_id FROM imported_assets WHERE status = 'imported'"
            ).fetchall()
        )
    lost: dict[str, list[str]] = {}
    for photo in osxphotos.PhotosDB(dbfile=str(library)).photos():
        named = sorted(f.name for f in photo.face_info if f.name and f.name != "_UNKNOWN_")
        if not named or photo.hasadjustments or photo.uuid not in ids:
            continue
        faces = client.get("/faces", params={"id": ids[photo.uuid]}).json()
        there = sorted(face["person"]["name"] for face in faces if face.get("person"))
        if there != named:
            lost[photo.original_filename] = [f"faces {there} != {named}"]
    return lost


def main() -> None:
    from_bytecode()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", type=Path, required=True, help="a started real-Immich kit")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--library", default="Test-26.1.photoslibrary")
    args = parser.parse_args()
    os.environ["PHOTOS_SYNC_E2E_IMMICH_DIR"] = str(args.real)
    real = RealImmich.from_environment()
    assert real is not None, f"no immich.env in {args.real}: run the kit's reset.sh first"
    lost_runs = 0
    with tempfile.TemporaryDirectory(prefix="photos-sync-first-syncs-") as workdir:
        library = copy_library(args.library, Path(workdir) / "library")
        for run in range(1, args.runs + 1):
            real.wait_until_idle()
            seconds, lost = one_run(real, library, Path(workdir) / f"data-{run}")
            lost_runs += bool(lost)
            print(
                f"run {run:2}: sync {seconds:5.1f} s, {'lost: ' + repr(lost) if lost else '0 lost'}"
            )
    print(f"{args.runs - lost_runs} of {args.runs} first syncs lost nothing ({args.library})")


if __name__ == "__main__":
    main()

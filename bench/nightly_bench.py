"""Nightly benchmark: ``sync`` (and ``import``) with nothing new on a library of N assets
(default 100,000), the tracker as after a complete first night; reference: osxphotos' own
load of the same library, the two taking turns (``bench.method``). Then ``sync`` on a
night when 100 assets changed in Photos (an edit, a favorite, a caption each moves the
asset's modification date), which reads those assets in full. Also lists every request
the re-runs made (the target: none per asset). Against the Immich double.

The first night is recorded without sending: sending 100k dates through the double's
contract checks takes over half an hour, and only what the tracker holds afterwards matters
to the night measured. :class:`FirstNight` answers ``send_metadata`` as Immich answers a
successful request (new ids for what it makes), so the tracker ends as after a real first
night: every asset's metadata applied and settled, albums, tags and people known.

    python -m bench.nightly_bench [--assets 100000] [--rounds 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path
from typing import Any, cast
from uuid import uuid4

from bench import from_bytecode
from bench.import_bench import import_argv, mark_imported, photos_sync_env
from bench.inflate import make_large_library
from bench.library_bench import measure
from bench.method import compare, ratios
from photos_sync.immich.client import ImmichClient, RetryPolicy
from photos_sync.plan.metadata import MetadataOptions
from photos_sync.source.library import PhotosLibrary
from photos_sync.upload.metadata import send_metadata
from photos_sync.workflow.metadata import plan_metadata
from tests.support.immich_double import ImmichDouble
from tests.support.immich_double.state import Asset


class FirstNight:
    """What ``send_metadata`` asks of Immich, answered as a successful request is."""

    retry = RetryPolicy()

    def upsert_tags(self, names: Sequence[str]) -> dict[str, str]:
        return {name: str(uuid4()) for name in names}

    def tag_assets(self, tag_ids: Sequence[str], asset_ids: Sequence[str]) -> int:
        return len(asset_ids)

    def untag_assets(self, tag_id: str, asset_ids: Sequence[str]) -> set[str]:
        return set(asset_ids)

    def albums(self) -> list[Any]:
        return []

    def people(self) -> dict[str, str]:
        return {}

    def people_by_name(self) -> dict[str, list[str]]:
        return {}

    def faces_of(self, asset_id: str) -> list[tuple[str, str | None]]:
        return []

    def __getattr__(self, name: str) -> Any:
        """Every other call succeeds; those that make something return its new id."""
        return lambda *args, **kwargs: str(uuid4()) if name.startswith("create_") else None


class NoRewrites:
    """Nothing is uploaded the first night recorded here, so no sidecar rewrite waits."""

    def start(self, asset_ids: set[str]) -> NoRewrites:
        return self

    def wait(self, asset_ids: set[str]) -> set[str]:
        return set()


def record_first_night(library: Path, tracker: Path) -> None:
    with closing(sqlite3.connect(tracker, isolation_level=None)) as connection:
        plan = plan_metadata(PhotosLibrary(library), connection, MetadataOptions())
        send_metadata(cast(ImmichClient, FirstNight()), connection, plan, NoRewrites())


def serve_tracked(immich: ImmichDouble, tracker: Path) -> None:
    """Put the tracker's imported assets on a fresh double (same ids and checksums), and
    let photos-sync bind to this server as to the one it imported into."""
    with closing(sqlite3.connect(tracker)) as connection, connection:
        connection.execute("DELETE FROM server_binding")
        rows = connection.execute(
            "SELECT immich_id, sha1, filename FROM imported_assets WHERE status = 'imported'"
        ).fetchall()
    for immich_id, sha1, filename in rows:
        immich.state.add_asset(
            Asset(
                id=immich_id,
                owner=immich.state.owner,
                type="IMAGE",
                original_file_name=filename or immich_id,
                checksum=bytes.fromhex(sha1),
                size=1,
                file_created_at="2020-01-01T00:00:00.000Z",
                file_modified_at="2020-01-01T00:00:00.000Z",
            )
        )


def prepare(assets: int, workdir: Path) -> tuple[Path, Path]:
    """The inflated library and a tracker as after its first night (kept in ``workdir``
    between runs: building them at 100k takes minutes)."""
    settled = workdir / "first-night.db"
    built = next((workdir / "large").glob("*.photoslibrary"), None)
    if built is not None and settled.exists():
        return built, settled
    shutil.rmtree(workdir / "large", ignore_errors=True)
    library = make_large_library(workdir / "large", assets)
    data = workdir / "data-first-night"
    shutil.rmtree(data, ignore_errors=True)
    with ImmichDouble() as immich:
        env = photos_sync_env(immich, library, data)
        reclassify = [sys.executable, "-m", "photos_sync", "reclassify"]
        subprocess.run(reclassify, env=env, check=True, stdout=subprocess.DEVNULL)
        mark_imported(immich, data / "tracker.db")
    record_first_night(library, data / "tracker.db")
    shutil.copy(data / "tracker.db", settled)
    return library, settled


def nightly(assets: int, rounds: int, workdir: Path) -> None:
    library, settled = prepare(assets, workdir)
    data = workdir / "data-nightly"
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir()
    shutil.copy(settled, data / "tracker.db")
    load = [sys.executable, "-c", f"import osxphotos; osxphotos.PhotosDB(dbfile={str(library)!r})"]
    with ImmichDouble() as immich:
        serve_tracked(immich, data / "tracker.db")
        env = photos_sync_env(immich, library, data)
        requests: dict[str, Counter[str]] = {}  # the run with the most, per command

        def run(what: str, argv: list[str]) -> float:
            before = len(immich.requests)
            seconds = measure(what, argv, env).seconds
            made = Counter(s.operation for s in immich.requests[before:])
            requests[what] = max(requests.get(what, Counter()), made, key=total)
            return seconds

        def changed_night(round_: int) -> float:
            touch(library, CHANGED)
            return run(CHANGED_NIGHT, sync_argv())

        def osxphotos_load(round_: int) -> float:
            return measure("osxphotos load", load).seconds

        pairs = [
            ("sync", lambda _: run("sync", sync_argv()), osxphotos_load),
            ("import", lambda _: run("import", import_argv()), osxphotos_load),
            (CHANGED_NIGHT, changed_night, osxphotos_load),
        ]
        medians, counted = compare(pairs, rounds)
    print(f"\nNightly re-run, {assets:,} assets (medians of {rounds} rounds)")
    for what in ("sync", "import", CHANGED_NIGHT):
        ours, theirs = medians[f"ours_{what}"], medians[f"theirs_{what}"]
        print(
            f"    {what}: {ours:.2f} s; osxphotos load {theirs:.2f} s -> {ours / theirs:.2f} "
            f"of it (rounds, load/ours: {ratios(counted, what)})"
        )
        listed = ", ".join(f"{op} {n}" for op, n in sorted(requests[what].items()))
        print(f"    requests to Immich, in the run with the most: {listed}")


CHANGED = 100
CHANGED_NIGHT = f"sync, {CHANGED} changed"


def touch(library: Path, count: int) -> None:
    """Move the modification date of ``count`` assets, as Photos does when one is edited,
    made a favorite or captioned: the next night reads them again."""
    database = library / "database" / "Photos.sqlite"
    with closing(sqlite3.connect(database)) as connection, connection:
        connection.execute(
            "UPDATE ZASSET SET ZMODIFICATIONDATE = ZMODIFICATIONDATE + 1"
            " WHERE Z_PK IN (SELECT Z_PK FROM ZASSET ORDER BY Z_PK LIMIT ?)",
            (count,),
        )


def total(counts: Counter[str]) -> int:
    return sum(counts.values())


def sync_argv() -> list[str]:
    return [sys.executable, "-m", "photos_sync", "sync"]


def main() -> None:
    from_bytecode()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="Build (or reuse) the library here.")
    args = parser.parse_args()
    print(f"Nightly benchmark: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        nightly(args.assets, args.rounds, args.keep)
        return
    with tempfile.TemporaryDirectory(prefix="photos-sync-nightly-bench-") as workdir:
        nightly(args.assets, args.rounds, Path(workdir))


if __name__ == "__main__":
    main()

"""Import benchmark: the no-op re-run, upload throughput against the official Immich CLI,
and memory while uploading a very large file. All against the Immich double on 127.0.0.1.

(a) ``import`` with everything already imported, on a library inflated to N assets
    (default 100,000): seconds, and the per-asset requests it made (must be 0); reference:
    osxphotos' own load of the same library.
(b) MB/s uploading a seeded corpus (200 photos, 10 videos) with ``photos-sync import`` and
    with the official CLI (``immich upload``) at the same concurrency, each into a fresh
    double, taking turns over --rounds (see bench.method); the median ratio photos-sync /
    CLI (target >= 1.0). Needs `.peers/` (see .ci/run).
(c) peak RSS of ``photos-sync import`` uploading one 2 GB file (target < 150 MB); reference:
    the file's size.
(d) with ``--real DIR`` (a folder of the real-Immich kit, its server started): (b) against the real
    Immich 3.1.0, each contender uploading as a new, empty administrator (as a home server's one
    user is; photos-sync then holds Immich's thumbnails during a large import, the others ignore it)
    once the server's queues are idle: photos-sync, the official CLI the kit installed
    (``DIR/bin/immich``) on the bare files, and ``osxphotos export --sidecar xmp`` followed by that
    CLI; the seconds of the command and until Immich has processed everything (its queues idle
    again), what arrived (descriptions, tags, favorites, albums, Live Photo links), photos-sync's
    requests beyond its uploads (from its log), and a re-run with nothing new. ``--rich``: 150
    photos carrying keywords, albums, favorites, titles and descriptions, instead of the plain
    corpus.

    python -m bench.import_bench [--assets 100000] [--concurrency 4] [--big-gb 2] [--rounds 4]
    python -m bench.import_bench --only d --real /var/cache/photos-sync-immich [--rich]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from contextlib import closing
from pathlib import Path
from typing import Any
from uuid import uuid4

from bench import from_bytecode
from bench.corpus import build_corpus
from bench.inflate import make_large_library
from bench.library_bench import Measure, measure
from bench.method import compare, ratios
from tests.support.immich_double import ImmichDouble
from tests.support.immich_double.state import Asset
from tests.support.peers import immich_cli

PER_ASSET = ("uploadAsset", "checkBulkUpload", "updateAsset", "getAssetInfo")


def photos_sync_env(immich: ImmichDouble, library: Path, data: Path) -> dict[str, str]:
    return {
        **os.environ,
        "IMMICH_URL": immich.url,
        "IMMICH_API_KEY": immich.add_key(["all"]),
        "PHOTOS_LIBRARY": str(library),
        "PHOTOS_SYNC_DATA": str(data),
    }


def import_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "photos_sync", "import", *args]


def mark_imported(immich: ImmichDouble, tracker_path: Path) -> None:
    """The state after a completed import, without uploading: every asset of the library
    on the server (a stand-in with its own id) and recorded as imported in the tracker."""
    with closing(sqlite3.connect(tracker_path)) as tracker, tracker:
        rows = tracker.execute(
            "SELECT icloud_uuid, filename FROM imported_assets WHERE in_trash = 0"
        ).fetchall()
        done = []
        for uuid, filename in rows:
            asset = Asset(
                id=str(uuid4()),
                owner=immich.state.owner,
                type="IMAGE",
                original_file_name=filename or uuid,
                checksum=hashlib.sha1(uuid.encode()).digest(),
                size=1,
                file_created_at="2020-01-01T00:00:00.000Z",
                file_modified_at="2020-01-01T00:00:00.000Z",
            )
            immich.state.add_asset(asset)
            done.append((asset.id, asset.checksum.hex(), uuid))
        tracker.executemany(
            "UPDATE imported_assets SET status = 'imported', immich_id = ?, sha1 = ?"
            " WHERE icloud_uuid = ?",
            done,
        )


def no_op_rerun(assets: int, workdir: Path) -> None:
    library = make_large_library(workdir / "large", assets)
    data = workdir / "data-noop"
    reference = measure(
        "osxphotos load",
        [sys.executable, "-c", f"import osxphotos; osxphotos.PhotosDB(dbfile={str(library)!r})"],
    )
    with ImmichDouble() as immich:
        env = photos_sync_env(immich, library, data)
        subprocess.run(
            [sys.executable, "-m", "photos_sync", "reclassify"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        mark_imported(immich, data / "tracker.db")
        subprocess.run(  # metadata (favorites, albums, tags) up to date, as after a sync
            [sys.executable, "-m", "photos_sync", "sync"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        before = len(immich.requests)
        rerun = measure("no-op import", import_argv(), env)
        per_asset = sum(1 for s in immich.requests[before:] if s.operation in PER_ASSET)
    print(f"\n(a) no-op re-run, {assets:,} assets already imported")
    print(
        f"    import: {rerun.seconds:.2f} s, peak RSS {rerun.peak_rss_mb:.0f} MB, "
        f"per-asset requests: {per_asset}"
    )
    print(
        f"    osxphotos load of the same library: {reference.seconds:.2f} s "
        f"-> ratio {rerun.seconds / reference.seconds:.2f} (target: under 5 s)"
    )


def throughput(concurrency: int, rounds: int, workdir: Path) -> None:
    corpus = build_corpus(workdir / "corpus", photos=200, videos=10)
    megabytes = corpus.total_bytes / 1e6
    print(
        f"\n(b) upload throughput, {len(corpus.files)} files, {megabytes:,.0f} MB, "
        f"concurrency {concurrency}"
    )
    cli = immich_cli()
    if cli is None:
        print("    official Immich CLI: not installed in .peers/ (see .ci/run); no ratio")
        return
    peer = cli

    def ours(round_: int) -> float:
        with ImmichDouble() as immich:
            data = workdir / f"data-throughput-{round_}"
            env = photos_sync_env(immich, corpus.library, data)
            seconds = measure("import", import_argv("--concurrency", str(concurrency)), env).seconds
            assert len(immich.state.assets) == len(corpus.files), "photos-sync uploaded all"
        return seconds

    def theirs(round_: int) -> float:
        with ImmichDouble() as immich:
            env = peer.env(immich.url, immich.add_key(["all"]), workdir / f"cli-home-{round_}")
            argv = peer.argv("upload", "--concurrency", str(concurrency), str(corpus.folder))
            seconds = measure("immich upload", argv, env).seconds
            assert len(immich.state.assets) == len(corpus.files), "the CLI uploaded all"
        return seconds

    medians, counted = compare([("upload", ours, theirs)], rounds)
    ours_s, theirs_s = medians["ours_upload"], medians["theirs_upload"]
    print(f"    photos-sync import: {ours_s:.2f} s = {megabytes / ours_s:,.1f} MB/s (median)")
    print(f"    immich upload (CLI): {theirs_s:.2f} s = {megabytes / theirs_s:,.1f} MB/s (median)")
    print(
        f"    ratio photos-sync / CLI: {theirs_s / ours_s:.2f} (target >= 1.0; "
        f"rounds {ratios(counted, 'upload')})"
    )


REQUESTS = re.compile(r"requests to Immich: (\d+) \((.*)\)")


def requests_beyond_uploads(data: Path) -> int:
    """What the run's log says it asked of Immich, less the uploads and checksum checks."""
    for log_file in sorted((data / "logs").glob("*.log"), reverse=True):
        found = REQUESTS.search(log_file.read_text())
        if found:
            counts: dict[str, int] = dict(
                (what, int(n)) for n, what in (part.split(" ", 1) for part in found[2].split(", "))
            )
            uploads = counts.get("POST /assets", 0) + counts.get(
                "POST /assets/bulk-upload-check", 0
            )
            return int(found[1]) - uploads
    return -1


def _arrived(real: Any, key: str) -> dict[str, int]:
    """What the server holds of the user's assets: with a description, with a tag, favorites,
    in an album, linked Live Photos, named faces."""
    import httpx

    from tests.e2e.server import albums, all_assets

    with httpx.Client(base_url=f"{real.url}/api", headers={"x-api-key": key}) as client:
        assets = all_assets(client)
        in_albums = set().union(*albums(client).values())
        faces = sum(
            1
            for a in assets
            for face in client.get("/faces", params={"id": a["id"]}).json()
            if face.get("person")
        )
    return {
        "descriptions": sum(1 for a in assets if (a.get("exifInfo") or {}).get("description")),
        "tagged": sum(1 for a in assets if a.get("tags")),
        "favorites": sum(1 for a in assets if a["isFavorite"]),
        "in albums": len(in_albums),
        "live links": sum(1 for a in assets if a.get("livePhotoVideoId")),
        "faces": faces,
    }


def real_throughput(kit: Path, concurrency: int, rounds: int, workdir: Path, rich: bool) -> None:
    """Three contenders in turn on the real server, each as a new user once its queues are
    idle: photos-sync, the official CLI on the bare files, and the pipeline a user can build
    from peers (``osxphotos export --sidecar xmp``, then the CLI, which sends each
    ``.xmp`` as the file's sidecar). A warm-up round, then ``rounds`` counted, the order
    turning each round; the medians."""
    from tests.e2e.server import RealImmich

    os.environ["PHOTOS_SYNC_E2E_IMMICH_DIR"] = str(kit)
    real = RealImmich.from_environment()
    assert real is not None, f"no immich.env in {kit}: run the kit's reset.sh first"
    photos, videos = (150, 0) if rich else (200, 10)
    corpus = build_corpus(workdir / "corpus-real", photos=photos, videos=videos, rich=rich)
    megabytes = corpus.total_bytes / 1e6
    print(
        f"\n(d) real Immich at {real.url}: {len(corpus.files)} files, {megabytes:,.0f} MB, "
        f"concurrency {concurrency}{', rich metadata' if rich else ''}"
    )
    command: dict[str, list[float]] = {"photos-sync": [], "CLI": [], "export+CLI": []}
    idle: dict[str, list[float]] = {name: [] for name in command}
    arrived: dict[str, dict[str, int]] = {}
    noop: list[float] = []
    beyond: list[int] = []
    cli = [str(kit / "bin" / "immich"), "upload", "--recursive", "--concurrency", str(concurrency)]

    def cli_env(round_: int, key: str) -> dict[str, str]:
        home = workdir / f"cli-home-real-{round_}"
        return {
            **os.environ,
            "HOME": str(home),
            "IMMICH_INSTANCE_URL": real.url,
            "IMMICH_API_KEY": key,
        }

    def ours(round_: int, key: str) -> float:
        data = workdir / f"data-real-{round_}"
        env = {
            **os.environ,
            "IMMICH_URL": real.url,
            "IMMICH_API_KEY": key,
            "PHOTOS_LIBRARY": str(corpus.library),
            "PHOTOS_SYNC_DATA": str(data),
        }
        seconds = measure("import", import_argv("--concurrency", str(concurrency)), env).seconds
        beyond.append(requests_beyond_uploads(data))
        noop.append(measure("no-op import", import_argv(), env).seconds)
        return seconds

    def bare_cli(round_: int, key: str) -> float:
        return measure("immich upload", [*cli, str(corpus.folder)], cli_env(round_, key)).seconds

    def pipeline(round_: int, key: str) -> float:
        out = workdir / f"export-{round_}"
        out.mkdir()
        export = [
            str(Path(sys.executable).parent / "osxphotos"),
            "export",
            str(out),
            "--library",
            str(corpus.library),
            "--sidecar",
            "xmp",
            "--skip-original-if-edited",
        ]
        seconds = measure("osxphotos export", export, dict(os.environ)).seconds
        return seconds + measure("immich upload", [*cli, str(out)], cli_env(round_, key)).seconds

    contenders = {"photos-sync": ours, "CLI": bare_cli, "export+CLI": pipeline}
    for round_ in range(rounds + 1):  # round 0: the warm-up
        names = list(contenders)
        order = names[round_ % 3 :] + names[: round_ % 3]
        for name in order:
            real.wait_until_idle()
            key = real.new_user(admin=True)  # a home server's one user; only we use it
            seconds = contenders[name](round_, key)
            done = seconds + real.wait_until_idle()
            print(
                f"    round {round_}: {name} {seconds:.1f} s, idle after {done:.1f} s", flush=True
            )
            if round_:
                command[name].append(seconds)
                idle[name].append(done)
                arrived[name] = _arrived(real, key)
    ours_s, ours_idle = (
        statistics.median(command["photos-sync"]),
        statistics.median(idle["photos-sync"]),
    )
    for name in command:
        median, done = statistics.median(command[name]), statistics.median(idle[name])
        print(
            f"    {name:12} command {median:6.2f} s (ratio {median / ours_s:.2f}), queues idle "
            f"after {done:6.1f} s (ratio {done / ours_idle:.2f}); arrived: {arrived[name]}"
        )
    print(
        f"    photos-sync re-run with nothing new: {statistics.median(noop[1:]):.2f} s; "
        f"requests beyond the uploads: {beyond[-1]} ({beyond[-1] / len(corpus.files):.2f} "
        "per asset)"
    )


def _upload_one_file(gigabytes: float, workdir: Path) -> Measure:
    corpus = build_corpus(workdir, photos=0, videos=1)
    video = corpus.files[0]
    size = int(gigabytes * 1024**3)
    with video.open("r+b") as handle:  # a real video, grown to the size (zeros after it)
        handle.truncate(size)
    with ImmichDouble() as immich:
        env = photos_sync_env(immich, corpus.library, workdir / "data")
        run = measure("import of one file", import_argv(), env)
        uploaded = next(iter(immich.state.assets.values()))
        assert uploaded.size == size, "the whole file arrived"
    return run


def big_file(gigabytes: float, workdir: Path) -> None:
    small = _upload_one_file(0.05, workdir / "small")
    big = _upload_one_file(gigabytes, workdir / "big")
    print(
        f"\n(c) one {gigabytes:g} GB file: import {big.seconds:.1f} s, peak RSS "
        f"{big.peak_rss_mb:.0f} MB (target: under 150 MB); the same import of a 50 MB file: "
        f"{small.peak_rss_mb:.0f} MB -> ratio {big.peak_rss_mb / small.peak_rss_mb:.2f} "
        "(memory does not grow with file size)"
    )


def main() -> None:
    from_bytecode()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--big-gb", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=4, help="(b): medians of this many")
    parser.add_argument("--only", choices=["a", "b", "c", "d"])
    parser.add_argument("--real", type=Path, help="(d): a started real-Immich kit folder")
    parser.add_argument("--rich", action="store_true", help="(d): photos with metadata")
    args = parser.parse_args()
    print(f"Import benchmark: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix="photos-sync-import-bench-") as workdir:
        if args.only in (None, "a"):
            no_op_rerun(args.assets, Path(workdir))
        if args.only in (None, "b"):
            throughput(args.concurrency, args.rounds, Path(workdir))
        if args.only in (None, "c"):
            big_file(args.big_gb, Path(workdir))
        if args.real is not None and args.only in (None, "d"):
            real_throughput(args.real, args.concurrency, args.rounds, Path(workdir), args.rich)


if __name__ == "__main__":
    main()

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
(d) with ``--real DIR`` (a folder of the real-Immich kit, its server started): (b) against the
    real Immich 3.1.0, each contender uploading as a new, empty user once the server's queues
    are idle, with the official CLI the kit installed (``DIR/bin/immich``); also the seconds
    until Immich has processed everything (its queues idle again), and a re-run with
    nothing new.

    python -m bench.import_bench [--assets 100000] [--concurrency 4] [--big-gb 2] [--rounds 4]
    python -m bench.import_bench --only d --real /var/cache/photos-sync-immich
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from contextlib import closing
from pathlib import Path
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


def real_throughput(kit: Path, concurrency: int, rounds: int, workdir: Path) -> None:
    from tests.e2e.server import RealImmich

    os.environ["PHOTOS_SYNC_E2E_IMMICH_DIR"] = str(kit)
    real = RealImmich.from_environment()
    assert real is not None, f"no immich.env in {kit}: run the kit's reset.sh first"
    corpus = build_corpus(workdir / "corpus-real", photos=200, videos=10)
    megabytes = corpus.total_bytes / 1e6
    print(
        f"\n(d) real Immich at {real.url}: {len(corpus.files)} files, {megabytes:,.0f} MB, "
        f"concurrency {concurrency}"
    )
    idle: dict[str, list[float]] = {"ours": [], "theirs": []}
    noop: list[float] = []

    def ours(round_: int) -> float:
        real.wait_until_idle()
        env = {
            **os.environ,
            "IMMICH_URL": real.url,
            "IMMICH_API_KEY": real.new_user(),
            "PHOTOS_LIBRARY": str(corpus.library),
            "PHOTOS_SYNC_DATA": str(workdir / f"data-real-{round_}"),
        }
        seconds = measure("import", import_argv("--concurrency", str(concurrency)), env).seconds
        idle["ours"].append(seconds + real.wait_until_idle())
        noop.append(measure("no-op import", import_argv(), env).seconds)
        return seconds

    def theirs(round_: int) -> float:
        real.wait_until_idle()
        env = {
            **os.environ,
            "HOME": str(workdir / f"cli-home-real-{round_}"),
            "IMMICH_INSTANCE_URL": real.url,
            "IMMICH_API_KEY": real.new_user(),
        }
        argv = [
            str(kit / "bin" / "immich"),
            "upload",
            "--recursive",
            "--concurrency",
            str(concurrency),
            str(corpus.folder),
        ]
        seconds = measure("immich upload", argv, env).seconds
        idle["theirs"].append(seconds + real.wait_until_idle())
        return seconds

    medians, counted = compare([("upload", ours, theirs)], rounds)
    ours_s, theirs_s = medians["ours_upload"], medians["theirs_upload"]
    done_ours = statistics.median(idle["ours"][1:])  # the warm-up round not counted
    done_theirs = statistics.median(idle["theirs"][1:])
    print(f"    photos-sync import: {ours_s:.2f} s = {megabytes / ours_s:,.1f} MB/s (median)")
    print(f"    immich upload (CLI): {theirs_s:.2f} s = {megabytes / theirs_s:,.1f} MB/s (median)")
    print(
        f"    ratio photos-sync / CLI: {theirs_s / ours_s:.2f} (rounds {ratios(counted, 'upload')})"
    )
    print(
        f"    until the server's queues are idle: {done_ours:.1f} s vs {done_theirs:.1f} s "
        f"-> ratio {done_theirs / done_ours:.2f}; photos-sync re-run with nothing new: "
        f"{statistics.median(noop[1:]):.2f} s"
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
            real_throughput(args.real, args.concurrency, args.rounds, Path(workdir))


if __name__ == "__main__":
    main()

"""Library benchmark: list + classify + plan on a 100,000-asset library.

Grows a fixture library to N assets (``bench.inflate``), then measures, each in its own
process so peak RSS is that command's alone:

- osxphotos' own ``PhotosDB`` load of the library (the reference: the raw read),
- ``photos-sync reclassify`` on a fresh tracker (every asset read and classified),
- ``photos-sync reclassify`` again (nothing changed: the nightly case),
- ``photos-sync status``,
- ``photos-sync report`` with 5% of the assets marked failed (its pictures are capped, the
  page's size is printed too).

Figures are printed as seconds, peak RSS and the ratio to the osxphotos load measured in
the same run. Targets (issues): status under 10 s and 1 GB on 100k; the report under 10 s
and 20 MB.

    python -m bench.library_bench [--assets 100000] [--keep DIR]

``--compare`` measures nothing: it reads every asset of the grown library with both
readers (the direct reader in bulk, and osxphotos) and prints how many records differ,
field by field; 0 is the only right answer.

    python -m bench.library_bench --compare [--assets 100000]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench import from_bytecode
from bench.inflate import make_large_library


@dataclass(frozen=True)
class Measure:
    label: str
    seconds: float
    peak_rss_mb: float


def measure(label: str, argv: list[str], env: dict[str, str] | None = None) -> Measure:
    """Wall time and peak RSS of one child process (via wait4's rusage). Its stderr goes to
    a file, read only if it fails, so a chatty child never stalls on a full pipe."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(
            argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errors
        )
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            errors.seek(0)
            raise SystemExit(f"{label} failed: {errors.read().decode(errors='replace')}")
    return Measure(label, elapsed, usage.ru_maxrss / 1024)


def photos_sync(library: Path, data: Path, *args: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "photos_sync",
        "--library",
        str(library),
        "--data-dir",
        str(data),
        *args,
    ]


def run(assets: int, workdir: Path) -> list[Measure]:
    print(f"Inflating a fixture library to {assets:,} assets in {workdir} ...", flush=True)
    library = make_large_library(workdir, assets)
    data = workdir / "data"
    load = [sys.executable, "-c", f"import osxphotos; osxphotos.PhotosDB(dbfile={str(library)!r})"]
    measures = [
        measure("osxphotos PhotosDB load (reference)", load),
        measure("reclassify, fresh tracker (full read)", photos_sync(library, data, "reclassify")),
        measure("reclassify, nothing changed", photos_sync(library, data, "reclassify")),
        measure("status", photos_sync(library, data, "status")),
    ]
    failed = mark_failed(data / "tracker.db", assets // 20)
    page = workdir / "report.html"
    measures.append(
        measure(
            f"report ({failed:,} failed)", photos_sync(library, data, "report", "--out", str(page))
        )
    )
    print(f"report page: {page.stat().st_size / 1e6:.1f} MB", flush=True)
    return measures


def mark_failed(tracker: Path, count: int) -> int:
    """Make ``count`` assets failed, as a bad night would (the report's worst case)."""
    with sqlite3.connect(tracker) as connection:
        connection.execute(
            "UPDATE imported_assets SET status = 'failed', error_reason = 'bench: made to fail'"
            " WHERE icloud_uuid IN (SELECT icloud_uuid FROM imported_assets LIMIT ?)",
            (count,),
        )
    connection.close()
    return count


def report(measures: list[Measure], assets: int) -> None:
    reference = measures[0]
    print(
        f"\nLibrary benchmark, {assets:,} assets, {os.cpu_count()} CPUs, Python "
        f"{sys.version.split()[0]}"
    )
    print(f"{'what':42} {'seconds':>8} {'peak RSS MB':>12} {'x osxphotos load':>17}")
    for m in measures:
        print(
            f"{m.label:42} {m.seconds:8.2f} {m.peak_rss_mb:12.0f} "
            f"{m.seconds / reference.seconds:17.2f}"
        )


def compare(assets: int, workdir: Path) -> int:
    """How many records the two readers make differently of a grown library."""
    from photos_sync.source.library import PhotosLibrary
    from tests.test_library_reader import differences

    library = PhotosLibrary(make_large_library(workdir, assets))
    entries = library.entries()
    started = time.perf_counter()
    ours = {asset.uuid: asset for asset in library.read(entries)}
    direct = time.perf_counter() - started
    declined = library._db is not None
    theirs = {asset.uuid: asset for asset in library.read(entries, direct=False)}
    found = differences(ours, theirs)
    print(
        f"{len(ours):,} assets read by the direct reader in {direct:.1f} s (osxphotos "
        f"loaded for {'some' if declined else 'none'}); "
        f"{len(found)} fields differ from osxphotos' records"
    )
    for (uuid, name), (mine, reference) in list(found.items())[:20]:
        print(f"  {uuid} {name}: {mine!r} != {reference!r}")
    return len(found)


def main() -> None:
    from_bytecode()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="build the library here and keep it")
    parser.add_argument("--compare", action="store_true", help="compare the two readers")
    args = parser.parse_args()
    if args.compare:
        with tempfile.TemporaryDirectory(prefix="photos-sync-bench-") as workdir:
            sys.exit(1 if compare(args.assets, Path(workdir)) else 0)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        report(run(args.assets, args.keep), args.assets)
        return
    with tempfile.TemporaryDirectory(prefix="photos-sync-bench-") as workdir:
        report(run(args.assets, Path(workdir)), args.assets)


if __name__ == "__main__":
    main()

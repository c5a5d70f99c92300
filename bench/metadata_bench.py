"""The metadata step on the real Immich 3.1.0: seconds per 1,000 assets, and what stuck.

A corpus of photos that carry what Photos knows (keywords that differ from photo to photo,
two albums, favorites, a title and a description; ``bench.corpus`` with ``rich``) is
imported by a new, empty user once the server's queues are idle; the seconds of the
metadata step (``sync_metadata``: from the end of the uploads to the end of the command) are
taken by ``bench.timed_import``. Once the queues are idle again, every asset is read back
from the server: how many lack a keyword Photos gives them.

Every request photos-sync sends is counted too (``BENCH_REQUESTS``): the requests per
asset beyond the uploads themselves. ``--double`` runs the same import against the test
double instead (no real server needed; its seconds mean nothing, its counts do).

With ``--before PATH`` (the ``src`` folder of an older checkout, e.g. a ``git worktree`` of
the last landed commit), that photos-sync is measured the same way, taking turns.

    python -m bench.metadata_bench --real /var/cache/photos-sync-immich [--photos 200]
        [--before /tmp/old/src] [--rounds 2]
    python -m bench.metadata_bench --double [--photos 200]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import osxphotos

from bench import from_bytecode
from bench.corpus import build_corpus
from tests.e2e.server import RealImmich, all_assets
from tests.support.immich_double import ImmichDouble

UPLOAD = "POST /api/assets"

HERE = Path(__file__).resolve().parent.parent  # this checkout: its src is "now"


@dataclass
class Outcome:
    seconds: float  # the metadata step
    assets: int
    tags_lost: int  # assets lacking a keyword Photos gives them
    requests: Counter[str]  # by method and route

    @property
    def per_thousand(self) -> float:
        return self.seconds * 1000 / self.assets

    @property
    def beyond_uploads(self) -> float:
        """Requests per asset, the uploads left out."""
        return (self.requests.total() - self.requests[UPLOAD]) / self.assets


@dataclass
class Server:
    """Where the import goes: a URL, a way to get a new user's key, to wait for quiet."""

    url: str
    new_user: Callable[[], str]
    wait_until_idle: Callable[[], object]


def expected_keywords(library: Path) -> dict[str, set[str]]:
    """Original file name -> its keywords in Photos (osxphotos reads them)."""
    db = osxphotos.PhotosDB(dbfile=str(library))
    return {p.original_filename: set(p.keywords) for p in db.photos() if p.path}


def run_once(server: Server, library: Path, source: Path | None, workdir: Path) -> Outcome:
    server.wait_until_idle()
    key = server.new_user()
    times = workdir / "seconds.txt"
    times.unlink(missing_ok=True)
    requests = workdir / "requests.json"
    env = {
        **os.environ,
        "IMMICH_URL": server.url,
        "IMMICH_API_KEY": key,
        "PHOTOS_LIBRARY": str(library),
        "PHOTOS_SYNC_DATA": str(workdir / "data"),
        "BENCH_METADATA_SECONDS": str(times),
        "BENCH_REQUESTS": str(requests),
        "PYTHONPATH": os.pathsep.join([str(source or HERE / "src"), str(HERE)]),
    }
    subprocess.run(
        [sys.executable, "-m", "bench.timed_import", "import", "--concurrency", "4", "--json"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    seconds = sum(float(line) for line in times.read_text().split())
    server.wait_until_idle()
    wanted = expected_keywords(library)
    with httpx.Client(base_url=f"{server.url}/api", headers={"x-api-key": key}) as client:
        assets = all_assets(client)
    lost = sum(
        1
        for asset in assets
        if not wanted.get(asset["originalFileName"], set())
        <= {tag["value"] for tag in asset.get("tags") or []}
    )
    return Outcome(seconds, len(assets), lost, Counter(json.loads(requests.read_text())))


def _server(kit: Path | None, stack: ExitStack) -> Server:
    if kit is None:
        double = stack.enter_context(ImmichDouble())
        return Server(double.url, lambda: double.add_key(["all"]), lambda: None)
    os.environ["PHOTOS_SYNC_E2E_IMMICH_DIR"] = str(kit)
    real = RealImmich.from_environment()
    assert real is not None, f"no immich.env in {kit}: run the kit's reset.sh first"
    return Server(real.url, real.new_user, real.wait_until_idle)


def main() -> None:
    from_bytecode()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--real", type=Path, help="a started real-Immich kit")
    where.add_argument("--double", action="store_true", help="the test double instead")
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--before", type=Path, help="src folder of an older photos-sync")
    args = parser.parse_args()
    if args.double:
        args.rounds = 1  # one user on the double: a second round would find it all there
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        server = _server(args.real, stack)
        workdir = Path(folder)
        corpus = build_corpus(workdir / "corpus", photos=args.photos, videos=0, rich=True)
        contenders = {"now": None, **({"before": args.before} if args.before else {})}
        results: dict[str, list[Outcome]] = {name: [] for name in contenders}
        for round_ in range(args.rounds):
            order = list(contenders) if round_ % 2 == 0 else list(reversed(contenders))
            for name in order:
                run_dir = workdir / f"{name}-{round_}"
                run_dir.mkdir()
                outcome = run_once(server, corpus.library, contenders[name], run_dir)
                results[name].append(outcome)
                print(
                    f"  round {round_ + 1} {name}: metadata step {outcome.seconds:.2f} s for "
                    f"{outcome.assets} assets = {outcome.per_thousand:.1f} s per 1,000; "
                    f"{outcome.tags_lost} assets lack a keyword; "
                    f"{outcome.beyond_uploads:.2f} requests per asset beyond the uploads "
                    f"({', '.join(f'{k} {n}' for k, n in outcome.requests.most_common(8))})",
                    flush=True,
                )
    for name, outcomes in results.items():
        print(
            f"{name}: median {statistics.median(o.per_thousand for o in outcomes):.1f} s per "
            f"1,000 assets; assets lacking a keyword: {[o.tags_lost for o in outcomes]}"
        )


if __name__ == "__main__":
    main()

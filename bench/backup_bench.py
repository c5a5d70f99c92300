"""Backup benchmark: ``photos-sync backup``/``restore`` against bare rclone doing the same
work through the same kind of crypt remote, on the same tree, in one run.

The tree is Immich-shaped (library/ with photos and a few large videos, upload/, profile/,
backups/, plus thumbs/ that is left out); the remote is crypt over a local folder. The
figure is throughput as a ratio: bare rclone's seconds / photos-sync's (target >= 0.95).
Bare restore = ``rclone copy`` + ``rclone cryptcheck``, as photos-sync's restore checks too.

Each round backs up to fresh remotes and restores from them, the contenders taking turns
as :mod:`bench.method` describes; figures are medians. The fixed cost
of a run (starting Python, reading the keys from 1Password, preparing the crypt password)
is measured too, by restoring only the tiny profile/ folder, so the per-byte ratio shows
apart from it.

    python -m bench.backup_bench [--mb 1000] [--rounds 4] [--dir /dev/shm]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from bench import from_bytecode
from bench.library_bench import measure
from bench.method import compare, ratios, touch_memory
from photos_sync.backup.onepassword import BackupSecrets
from photos_sync.backup.remotes import obscure_with, rclone_env
from photos_sync.track.backup_jobs import Destination
from tests.conftest import FAKE_OP_DIR

RCLONE = Path(sys.executable).parent / "rclone"
PASSWORD = "bench-crypt-password"


def make_tree(root: Path, megabytes: int) -> int:
    """About ``megabytes`` of photos (3 MB) and videos (a tenth of the total each)."""
    video = megabytes * 1024 * 1024 // 10
    sizes = {
        "library/videos": [video] * 3,
        "upload/u1": [5 * 1024 * 1024] * 4,
        "profile/a": [200_000],
        "backups": [10 * 1024 * 1024],
        "thumbs/a": [100_000] * 50,
    }
    rest = megabytes * 1024 * 1024 - sum(sum(v) for k, v in sizes.items() if k != "thumbs/a")
    sizes["library/photos"] = [3 * 1024 * 1024] * max(1, rest // (3 * 1024 * 1024))
    total = 0
    for folder, files in sizes.items():
        (root / folder).mkdir(parents=True, exist_ok=True)
        for n, size in enumerate(files):
            (root / folder / f"f{n:04d}.bin").write_bytes(os.urandom(size))
            total += size if not folder.startswith("thumbs") else 0
    return total


def timed(argv: list[str], env: dict[str, str]) -> float:
    return measure(Path(argv[0]).name, argv, env).seconds


def op_state(path: Path) -> None:
    """The fake ``op``'s vault: the item backup setup would otherwise create."""
    fields = {
        "application_key_id": "k",
        "application_key": "s",
        "bucket_name": "b",
        "encryption_password": PASSWORD,
    }
    item = {
        "id": "i",
        "title": "Immich Backup B2",
        "fields": [{"id": k, "label": k, "value": v} for k, v in fields.items()],
    }
    path.write_text(json.dumps({"vaults": [{"id": "v", "name": "P", "items": [item]}]}))


class Contenders:
    """photos-sync and bare rclone, each backing up to a fresh remote and restoring from it."""

    def __init__(self, workdir: Path, immich: Path) -> None:
        self.workdir = workdir
        self.immich = immich
        op_state(workdir / "op.json")
        self.env = {
            **os.environ,
            # The fake op is a Python script: started through this interpreter's folder,
            # not a pyenv shim (0.15-0.2 s of bash per read, which the real op, a Go binary,
            # does not cost).
            "PATH": os.pathsep.join((str(FAKE_OP_DIR), str(RCLONE.parent), os.environ["PATH"])),
            "FAKE_OP_STATE": str(workdir / "op.json"),
            "BACKUP_IMMICH_PATH": str(immich),
            "PHOTOS_SYNC_DATA": str(workdir / "data"),
        }
        self.ours = [sys.executable, "-m", "photos_sync"]

    def _remote(self, who: str, round_: int) -> Path:
        return self.workdir / f"remote-{who}-{round_}"

    def _restored(self, who: str) -> Path:
        return self.workdir / f"restored-{who}"

    def ours_backup(self, round_: int) -> float:
        name = f"disk{round_}"
        remote = self._remote("ours", round_)
        if not remote.exists():
            setup = ["backup", "setup", "--to", name, "--type", "local", "--yes"]
            subprocess.run(
                [*self.ours, *setup, "--bucket", str(remote)],
                env=self.env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
        return timed([*self.ours, "backup", "--to", name], self.env)

    def ours_restore(self, round_: int, folder: str = "") -> float:
        restore = ["restore", "--from", f"disk{round_}", "--to", str(self._restored("ours"))]
        seconds = timed([*self.ours, *restore, "--path", folder], self.env)
        shutil.rmtree(self._restored("ours"))  # its memory is reused by the next restore
        return seconds

    def _bare_env(self, round_: int) -> dict[str, str]:
        secrets = BackupSecrets("k", "s", "b", PASSWORD)
        destination = Destination(0, "bare", "local", str(self._remote("bare", round_)), "immich")
        return {**os.environ, **rclone_env(destination, secrets, obscure_with(RCLONE))}

    def bare_backup(self, round_: int) -> float:
        env = self._bare_env(round_)
        flags = ["--use-json-log", "--stats", "1s", "--stats-log-level", "NOTICE", "-v"]
        started = time.perf_counter()
        for folder in ("library", "upload", "profile", "backups"):
            sync = ["sync", str(self.immich / folder), f"pscrypt:{folder}", *flags]
            timed([str(RCLONE), *sync], env)
        return time.perf_counter() - started

    def bare_restore(self, round_: int, folder: str = "") -> float:
        env = self._bare_env(round_)
        target = str(self._restored("bare") / folder)
        started = time.perf_counter()
        timed([str(RCLONE), "copy", f"pscrypt:{folder}", target, "--use-json-log"], env)
        timed([str(RCLONE), "cryptcheck", target, f"pscrypt:{folder}", "--use-json-log"], env)
        seconds = time.perf_counter() - started
        shutil.rmtree(self._restored("bare"))
        return seconds

    def drop(self, round_: int) -> None:
        for path in (self._remote("ours", round_), self._remote("bare", round_)):
            shutil.rmtree(path)


def main() -> None:
    from_bytecode()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=1000)
    parser.add_argument(
        "--rounds",
        type=int,
        default=4,
        help="Medians over this many rounds (even: each side goes first as often)",
    )
    parser.add_argument(
        "--dir",
        type=Path,
        default=None,
        help="Work folder (default: the system's temp); /dev/shm keeps disk write-back "
        "stalls, which hit whichever side happens to be writing, out of the figures",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="photos-sync-backup-bench-", dir=args.dir) as work:
        workdir = Path(work)
        size = make_tree(workdir / "immich", args.mb)
        contenders = Contenders(workdir, workdir / "immich")
        touch_memory(workdir, 4 * size)
        pairs: list[tuple[str, Callable[[int], float], Callable[[int], float]]] = [
            ("backup", contenders.ours_backup, contenders.bare_backup),
            ("nothing_new", contenders.ours_backup, contenders.bare_backup),
            ("restore", contenders.ours_restore, contenders.bare_restore),
            (
                "fixed",
                partial(contenders.ours_restore, folder="profile"),
                partial(contenders.bare_restore, folder="profile"),
            ),
        ]
        medians, counted = compare(pairs, args.rounds, after=contenders.drop)
    report(medians, counted, size / 1e6, args)


def report(
    median: dict[str, float], counted: list[dict[str, float]], mb: float, args: argparse.Namespace
) -> None:
    print(
        f"Backup benchmark: {mb:,.0f} MB (thumbs/ left out), crypt over a local folder, "
        f"{os.cpu_count()} CPUs, median of {args.rounds} rounds, in {args.dir or 'temp'}"
    )
    for what, label in (("backup", "backup"), ("restore", "restore + check")):
        ours, bare = median[f"ours_{what}"], median[f"theirs_{what}"]
        print(
            f"  {label:16} photos-sync {ours:6.2f} s ({mb / ours:,.0f} MB/s)   "
            f"bare rclone {bare:6.2f} s ({mb / bare:,.0f} MB/s)   "
            f"ratio {bare / ours:.2f} (target >= 0.95; rounds {ratios(counted, what)})"
        )
    for what, fixed, label in (
        ("backup", "nothing_new", "a second backup, nothing new"),
        ("restore", "fixed", "a restore of profile/ only"),
    ):
        fixed_ours, fixed_bare = median[f"ours_{fixed}"], median[f"theirs_{fixed}"]
        work_ours = median[f"ours_{what}"] - fixed_ours
        work_bare = median[f"theirs_{what}"] - fixed_bare
        print(
            f"  {what} fixed cost ({label}): photos-sync {fixed_ours:.2f} s, bare "
            f"{fixed_bare:.2f} s; the per-byte work beside it: ratio {work_bare / work_ours:.2f}"
        )


if __name__ == "__main__":
    main()

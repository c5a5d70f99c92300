"""Backup benchmark: ``photos-sync backup``/``restore`` against bare rclone doing the same
work through the same kind of crypt remote, on the same tree, in one run.

The tree is Immich-shaped (library/ with photos and a few large videos, upload/, profile/,
backups/, plus thumbs/ that is left out); the remote is crypt over a local folder. The
figure is throughput as a ratio: bare rclone's seconds / photos-sync's (target >= 0.95).
Bare restore = ``rclone copy`` + ``rclone cryptcheck``, as photos-sync's restore checks too.

    python -m bench.backup_bench [--mb 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from photos_sync.backup.onepassword import BackupSecrets
from photos_sync.backup.remotes import Destination, obscure_with, rclone_env
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
    started = time.perf_counter()
    subprocess.run(
        argv,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="photos-sync-backup-bench-") as work:
        workdir = Path(work)
        immich = workdir / "immich"
        size = make_tree(immich, args.mb)
        state = workdir / "op.json"
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
        state.write_text(json.dumps({"vaults": [{"id": "v", "name": "P", "items": [item]}]}))
        env = {
            **os.environ,
            "PATH": f"{FAKE_OP_DIR}{os.pathsep}{os.environ['PATH']}",
            "FAKE_OP_STATE": str(state),
            "BACKUP_IMMICH_PATH": str(immich),
            "PHOTOS_SYNC_DATA": str(workdir / "data"),
        }
        ours = [sys.executable, "-m", "photos_sync"]
        subprocess.run(
            [
                *ours,
                "backup",
                "--setup",
                "--to",
                "disk",
                "--type",
                "local",
                "--bucket",
                str(workdir / "remote-ours"),
                "--yes",
            ],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        ours_backup = timed([*ours, "backup", "--to", "disk"], env)
        ours_restore = timed(
            [*ours, "restore", "--from", "disk", "--to", str(workdir / "restored-ours")], env
        )

        bare_env = {
            **os.environ,
            **rclone_env(
                Destination(0, "bare", "local", str(workdir / "remote-bare"), "immich"),
                BackupSecrets("k", "s", "b", PASSWORD),
                obscure_with(RCLONE),
            ),
        }
        flags = ["--use-json-log", "--stats", "1s", "--stats-log-level", "NOTICE", "-v"]
        started = time.perf_counter()
        for folder in ("library", "upload", "profile", "backups"):
            subprocess.run(
                [str(RCLONE), "sync", str(immich / folder), f"pscrypt:{folder}", *flags],
                env=bare_env,
                check=True,
                stderr=subprocess.DEVNULL,
            )
        bare_backup = time.perf_counter() - started
        started = time.perf_counter()
        target = workdir / "restored-bare"
        subprocess.run(
            [str(RCLONE), "copy", "pscrypt:", str(target), "--use-json-log"],
            env=bare_env,
            check=True,
            stderr=subprocess.DEVNULL,
        )
        subprocess.run(
            [str(RCLONE), "cryptcheck", str(target), "pscrypt:", "--use-json-log"],
            env=bare_env,
            check=True,
            stderr=subprocess.DEVNULL,
        )
        bare_restore = time.perf_counter() - started

    mb = size / 1e6
    print(
        f"Backup benchmark: {mb:,.0f} MB (thumbs/ left out), crypt over a local folder, "
        f"{os.cpu_count()} CPUs"
    )
    for what, theirs, ours_s in (
        ("backup", bare_backup, ours_backup),
        ("restore + check", bare_restore, ours_restore),
    ):
        print(
            f"  {what:16} photos-sync {ours_s:6.2f} s ({mb / ours_s:,.0f} MB/s)   "
            f"bare rclone {theirs:6.2f} s ({mb / theirs:,.0f} MB/s)   "
            f"ratio {theirs / ours_s:.2f} (target >= 0.95)"
        )


if __name__ == "__main__":
    main()

"""Running one backup: each source folder synced through the crypt remote, in priority
order, its progress read from rclone's JSON stats into the job row as it goes."""

from __future__ import annotations

import ctypes
import dataclasses
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from photos_sync.backup.rclone import DELETED_ROOT, EXCLUDES, left_out
from photos_sync.backup.remotes import CRYPT_ROOT
from photos_sync.backup.stats import Stats, parse_line
from photos_sync.errors import PhotosSyncError
from photos_sync.track import backup_jobs
from photos_sync.track.backup_jobs import Job

# Immich's data folders worth keeping, in the order they are backed up; thumbs/ and
# encoded-video/ are left out: Immich makes them again from the originals.
IMMICH_SOURCES = (("library", 1), ("upload", 2), ("profile", 3), ("backups", 4))
# Immich's folders left out: it makes their contents again from the originals. Its folder
# checks still want each one's ``.immich`` mark at start, so a restore makes the marks.
REBUILT = ("thumbs", "encoded-video")
DATA_DIR_PRIORITY = 5
PR_SET_PDEATHSIG = 1
RETRYABLE = {5, 8, 10, 130, 143, -9, 137}  # rclone: temporary, limits, signals
MAX_DELETE_REACHED = "--max-delete threshold reached"


@dataclass(frozen=True)
class DeletionGuard:
    """How much one sync may delete in a folder's backup.

    An unmounted disk, or a fresh Immich on an empty mount (which writes a few ``.immich``
    markers), looks to rclone like a folder whose files were all deleted. So each folder may
    lose at most ``percent`` of what its last completed backup held, and never more than
    ``files``; rclone itself enforces it (``--max-delete``). Whatever a sync does delete is
    moved into a dated folder of the backup (``--backup-dir``), so even an allowed deletion
    can be undone.
    """

    percent: float = 50.0
    files: int = 1000
    allow: bool = False  # --allow-deletions
    stamp: str = "now"  # the run's folder for what it deletes

    def limit(self, held: int) -> int | None:
        if self.allow:
            return None
        return min(self.files, int(held * self.percent / 100))

    def kept_in(self, source: str) -> str:
        return f"{DELETED_ROOT}/{self.stamp}/{remote_for(source).removeprefix(CRYPT_ROOT)}"


@dataclass(frozen=True)
class JobResult:
    job: Job
    status: str
    error: str | None = None
    refused: bool = False  # stopped by the deletion guard


def count_files(source: str) -> int:
    """The files of a source folder that its backup holds (what rclone would compare)."""
    root = Path(source)
    total = 0
    for folder, _, names in os.walk(root):
        top = Path(folder) == root
        total += sum(1 for n in names if not (top and left_out(Path(n))))
    return total


def sources(immich_path: Path, data_dir: Path) -> list[tuple[str, int]]:
    """The folders to back up; refuses a path that does not look like Immich's data, since
    syncing an empty or unmounted folder would delete the backup."""
    present = [
        (str(immich_path / name), p) for name, p in IMMICH_SOURCES if (immich_path / name).is_dir()
    ]
    if not any(Path(folder).is_dir() and any(Path(folder).iterdir()) for folder, _ in present[:2]):
        raise PhotosSyncError(
            f"{immich_path} does not look like Immich's data (no library/ or upload/ with "
            "files in it); refusing to sync it, as that would empty the backup",
            "Set BACKUP_IMMICH_PATH to the folder holding library/ and upload/ (is it mounted?)",
        )
    return [*present, (str(data_dir), DATA_DIR_PRIORITY)]


def remote_for(source: str) -> str:
    name = Path(source).name
    return f"{CRYPT_ROOT}{name if name in dict(IMMICH_SOURCES) else 'photos-sync-data'}"


def _die_with_parent() -> None:
    """In the rclone child (Linux): be stopped when photos-sync dies, even by SIGKILL, so a
    killed backup never leaves a sync running unwatched."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def run_job(
    rclone: Path,
    env: dict[str, str],
    job: Job,
    connection: sqlite3.Connection,
    log: Path,
    *,
    dry_run: bool,
    guard: DeletionGuard,
    max_delete: int | None,
    on_stats: Callable[[Job, Stats], None] | None = None,
) -> tuple[int, str | None]:
    """One ``rclone sync``; returns (exit code, last error line)."""
    argv = [
        str(rclone),
        "sync",
        job.source_path,
        remote_for(job.source_path),
        "--use-json-log",
        "--stats",
        "1s",
        "--stats-log-level",
        "NOTICE",
        "-v",
        *EXCLUDES,
        "--backup-dir",
        f"{CRYPT_ROOT}{guard.kept_in(job.source_path)}",
    ]
    if max_delete is not None:
        argv += ["--max-delete", str(max_delete)]
    if dry_run:
        argv.append("--dry-run")
    last_error = None
    with (
        log.open("a") as sink,
        subprocess.Popen(
            argv,
            env={**os.environ, **env},
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            text=True,
            preexec_fn=_die_with_parent,
        ) as process,
    ):
        assert process.stderr is not None
        for line in process.stderr:
            sink.write(line)
            parsed = parse_line(line)
            if isinstance(parsed, Stats):
                if not dry_run:
                    backup_jobs.record_progress(connection, job.id, parsed.progress())
                if on_stats:
                    on_stats(job, parsed)
            elif (
                parsed is not None
                and parsed.level == "error"
                and (last_error is None or MAX_DELETE_REACHED not in last_error)
            ):
                last_error = parsed.message.strip()  # the guard's stop outranks the rest
    return process.returncode, last_error


def run_backup(
    rclone: Path,
    env: dict[str, str],
    jobs: list[Job],
    connection: sqlite3.Connection,
    log: Path,
    *,
    max_retries: int,
    guard: DeletionGuard,
    dry_run: bool = False,
    on_stats: Callable[[Job, Stats], None] | None = None,
) -> list[JobResult]:
    results = []
    for job in jobs:
        if job.status == "COMPLETED":
            continue
        held = job.files_in_backup
        held = count_files(job.source_path) if held is None else held
        limit = guard.limit(held)
        while True:
            if not dry_run:
                backup_jobs.set_status(connection, job.id, "RUNNING")
            code, error = run_job(
                rclone,
                env,
                job,
                connection,
                log,
                dry_run=dry_run,
                guard=guard,
                max_delete=limit,
                on_stats=on_stats,
            )
            if code == 0:
                if not dry_run:
                    backup_jobs.set_status(connection, job.id, "COMPLETED")
                    files = count_files(job.source_path)
                    backup_jobs.record_files_in_backup(connection, job.id, files)
                results.append(JobResult(job, "COMPLETED"))
                break
            if error is not None and MAX_DELETE_REACHED in error and limit is not None:
                refusal = _refusal(job, guard, limit, held)
                if not dry_run:
                    backup_jobs.set_status(connection, job.id, "FAILED", refusal)
                results.append(JobResult(job, "FAILED", refusal, refused=True))
                break
            message = f"rclone exited {code}" + (f": {error}" if error else "")
            retries = job.retry_count
            if code in RETRYABLE and retries < max_retries and not dry_run:
                backup_jobs.count_retry(connection, job.id)
                job = dataclasses.replace(job, retry_count=retries + 1, error_message=message)
                continue
            if not dry_run:
                backup_jobs.set_status(connection, job.id, "FAILED", message)
            results.append(JobResult(job, "FAILED", message))
            break
    return results


def _refusal(job: Job, guard: DeletionGuard, limit: int, held: int) -> str:
    return (
        f"refused: this sync would delete more than {limit:,} of the {held:,} files its "
        f"last backup held (is the disk mounted?); the few deleted before the stop are kept "
        f"in {guard.kept_in(job.source_path)}. If the deletions are meant, run "
        "`photos-sync backup --allow-deletions`"
    )

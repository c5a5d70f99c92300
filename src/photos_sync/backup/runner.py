"""Running one backup: each source folder synced through the crypt remote, in priority
order and a few at once, its progress read from rclone's JSON stats into the job row as it
goes."""

from __future__ import annotations

import ctypes
import dataclasses
import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

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


@dataclass(frozen=True)
class _Heard:
    """What a folder's rclone said: its stats as it goes, then (``code`` set) its end."""

    job: Job
    stats: Stats | None = None
    code: int | None = None
    error: str | None = None


@dataclass
class _Folder:
    """How a folder's sync is run: the deletion limit of its guard, the shared log."""

    rclone: Path
    env: dict[str, str]
    log: TextIO
    log_lock: threading.Lock
    dry_run: bool
    guard: DeletionGuard
    running: set[subprocess.Popen[str]] = dataclasses.field(default_factory=set)

    def stop(self) -> None:
        """End the rclones still running (the run is being left on an error)."""
        for process in list(self.running):
            process.terminate()

    def argv(self, job: Job, max_delete: int | None) -> list[str]:
        argv = [
            str(self.rclone),
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
            f"{CRYPT_ROOT}{self.guard.kept_in(job.source_path)}",
        ]
        if max_delete is not None:
            argv += ["--max-delete", str(max_delete)]
        if self.dry_run:
            argv.append("--dry-run")
        return argv

    def sync(self, job: Job, max_delete: int | None, heard: queue.Queue[_Heard]) -> None:
        """One ``rclone sync`` (in its own thread): every stats line, then its exit code
        and last error line, go to ``heard``; the tracker is written by the caller alone."""
        last_error = None
        code = -1
        process: subprocess.Popen[str] | None = None
        try:
            with subprocess.Popen(
                self.argv(job, max_delete),
                env={**os.environ, **self.env},
                stderr=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stdin=subprocess.DEVNULL,
                text=True,
                preexec_fn=_die_with_parent,
            ) as process:
                self.running.add(process)
                assert process.stderr is not None
                for line in process.stderr:
                    with self.log_lock:
                        self.log.write(line)
                    parsed = parse_line(line)
                    if isinstance(parsed, Stats):
                        heard.put(_Heard(job, stats=parsed))
                    elif (
                        parsed is not None
                        and parsed.level == "error"
                        and (last_error is None or MAX_DELETE_REACHED not in last_error)
                    ):
                        last_error = parsed.message.strip()  # the guard's stop outranks the rest
            code = process.returncode
        except OSError as failure:  # rclone could not be started
            last_error = str(failure)
        finally:
            if process is not None:
                self.running.discard(process)
            heard.put(_Heard(job, code=code, error=last_error))


# Folders synced at once. Immich's library goes first and the small folders beside it, so
# a night's fixed cost is about one rclone start, not five in a row.
PARALLEL = 3


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
    """Every job not yet completed, in priority order, :data:`PARALLEL` at once; each one
    retried on rclone's temporary failures, stopped by the deletion guard. The results in
    the jobs' order."""
    todo = [job for job in jobs if job.status != "COMPLETED"]
    heard: queue.Queue[_Heard] = queue.Queue()
    held: dict[int, int] = {}  # files each folder's last completed backup held
    results: dict[int, JobResult] = {}
    running = 0
    with log.open("a") as sink:
        folder = _Folder(rclone, env, sink, threading.Lock(), dry_run, guard)

        def start(job: Job) -> None:
            nonlocal running
            if job.id not in held:
                known = job.files_in_backup
                held[job.id] = count_files(job.source_path) if known is None else known
            if not dry_run:
                backup_jobs.set_status(connection, job.id, "RUNNING")
            running += 1
            args = (job, guard.limit(held[job.id]), heard)
            threading.Thread(target=folder.sync, args=args, daemon=True).start()

        try:
            while todo or running:
                while todo and running < PARALLEL:
                    start(todo.pop(0))
                event = heard.get()
                if event.code is None:
                    assert event.stats is not None
                    if not dry_run:
                        progress = event.stats.progress()
                        backup_jobs.record_progress(connection, event.job.id, progress)
                    if on_stats:
                        on_stats(event.job, event.stats)
                    continue
                running -= 1
                ended = _ended(connection, event, held[event.job.id], guard, max_retries, dry_run)
                if isinstance(ended, JobResult):
                    results[event.job.id] = ended
                else:
                    start(ended)  # a retry, at once
        finally:  # left on an error or Ctrl-C: no rclone goes on writing, unwatched
            folder.stop()
            while running:
                running -= heard.get().code is not None
    return [results[job.id] for job in jobs if job.id in results]


def _ended(
    connection: sqlite3.Connection,
    event: _Heard,
    held: int,
    guard: DeletionGuard,
    max_retries: int,
    dry_run: bool,
) -> JobResult | Job:
    """What a folder's ended rclone means: its result, or the job to run again."""
    job, code, error = event.job, event.code, event.error
    if code == 0:
        if not dry_run:
            backup_jobs.set_status(connection, job.id, "COMPLETED")
            files = count_files(job.source_path)
            backup_jobs.record_files_in_backup(connection, job.id, files)
        return JobResult(job, "COMPLETED")
    limit = guard.limit(held)
    if error is not None and MAX_DELETE_REACHED in error and limit is not None:
        refusal = _refusal(job, guard, limit, held)
        if not dry_run:
            backup_jobs.set_status(connection, job.id, "FAILED", refusal)
        return JobResult(job, "FAILED", refusal, refused=True)
    message = f"rclone exited {code}" + (f": {error}" if error else "")
    retries = job.retry_count
    if code in RETRYABLE and retries < max_retries and not dry_run:
        backup_jobs.count_retry(connection, job.id)
        return dataclasses.replace(job, retry_count=retries + 1, error_message=message)
    if not dry_run:
        backup_jobs.set_status(connection, job.id, "FAILED", message)
    return JobResult(job, "FAILED", message)


def _refusal(job: Job, guard: DeletionGuard, limit: int, held: int) -> str:
    return (
        f"refused: this sync would delete more than {limit:,} of the {held:,} files its "
        f"last backup held (is the disk mounted?); the few deleted before the stop are kept "
        f"in {guard.kept_in(job.source_path)}. If the deletions are meant, run "
        "`photos-sync backup --allow-deletions`"
    )

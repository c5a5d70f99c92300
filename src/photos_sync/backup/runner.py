"""Running one backup: the source folders synced through the crypt remote in as few rclone
runs as they allow (see :mod:`photos_sync.backup.batches`), in priority order and at once,
each folder's progress read from rclone's JSON log into its job row as it goes."""

from __future__ import annotations

import ctypes
import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TextIO

from photos_sync.backup.batches import (
    IMMICH_SOURCES,
    Batch,
    BatchLog,
    batches,
    deleted_folder,
)
from photos_sync.backup.rclone import left_out
from photos_sync.backup.stats import Stats
from photos_sync.errors import PhotosSyncError
from photos_sync.track import backup_jobs
from photos_sync.track.backup_jobs import Job, Progress

# Immich's folders left out: it makes their contents again from the originals. Its folder
# checks still want each one's ``.immich`` mark at start, so a restore makes the marks.
REBUILT = ("thumbs", "encoded-video")
DATA_DIR_PRIORITY = 5
PR_SET_PDEATHSIG = 1
RETRYABLE = {5, 8, 10, 130, 143, -9, 137}  # rclone: temporary, limits, signals


@dataclass(frozen=True)
class DeletionGuard:
    """How much one sync may delete in a folder's backup.

    An unmounted disk, or a fresh Immich on an empty mount (which writes a few ``.immich``
    markers), looks to rclone like a folder whose files were all deleted. So each folder may
    lose at most ``percent`` of what its last completed backup held, and never more than
    ``files``. rclone enforces the sum of the limits of the folders it syncs at once
    (``--max-delete``); the run stops it as soon as its log shows one folder past its own.
    Whatever a sync does delete is moved into a dated folder of the backup
    (``--backup-dir``), so even an allowed deletion (or the few in flight at the stop) can
    be undone.
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
        return deleted_folder(self.stamp, source)


@dataclass(frozen=True)
class JobResult:
    job: Job
    status: str
    error: str | None = None
    refused: bool = False  # stopped by the deletion guard

    def to_json(self) -> dict[str, object]:
        return {
            **self.job.to_json(),
            "status": self.status,
            "error": self.error,
            "refused": self.refused,
        }


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


def _die_with_parent() -> None:
    """In the rclone child (Linux): be stopped when photos-sync dies, even by SIGKILL, so a
    killed backup never leaves a sync running unwatched."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass(frozen=True)
class _Heard:
    """What a batch's rclone said: each job's progress as it goes, then (``code`` set) its
    end, with the folders the deletion guard stopped."""

    batch: Batch
    stats: Stats | None = None
    progress: dict[int, Progress] = field(default_factory=dict)
    code: int | None = None
    error: str | None = None
    refused: frozenset[int] = frozenset()


@dataclass
class _Syncs:
    """How each batch's sync is run: the guard, the shared log, the rclones running."""

    rclone: Path
    env: dict[str, str]
    log: TextIO
    log_lock: threading.Lock
    dry_run: bool
    guard: DeletionGuard
    running: set[subprocess.Popen[str]] = field(default_factory=set)

    def stop(self) -> None:
        """End the rclones still running (the run is being left on an error)."""
        for process in list(self.running):
            process.terminate()

    def argv(self, batch: Batch, max_delete: int | None) -> list[str]:
        argv = [
            str(self.rclone),
            "sync",
            batch.source,
            batch.remote,
            "--use-json-log",
            "--stats",
            "1s",
            "--stats-log-level",
            "NOTICE",
            "-v",
            *batch.filters(),
            "--backup-dir",
            batch.backup_dir(self.guard.stamp),
        ]
        if max_delete is not None:
            argv += ["--max-delete", str(max_delete)]
        if self.dry_run:
            argv.append("--dry-run")
        return argv

    def sync(self, batch: Batch, limits: dict[int, int | None], heard: queue.Queue[_Heard]) -> None:
        """One ``rclone sync`` (in its own thread): each job's progress, then the exit code,
        last error line and refused folders, go to ``heard``; the tracker is written by the
        caller alone. A folder past its deletion limit stops the sync at once."""
        said = BatchLog(batch, limits)
        bounded = [limit for limit in limits.values() if limit is not None]
        max_delete = sum(bounded) if len(bounded) == len(limits) else None
        code = -1
        stopped = False
        process: subprocess.Popen[str] | None = None
        try:
            with subprocess.Popen(
                self.argv(batch, max_delete),
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
                    stats = said.hear(line)
                    if stats is not None:
                        heard.put(_Heard(batch, stats=stats, progress=said.progress(stats)))
                    if said.refused and not stopped:
                        process.terminate()
                        stopped = True
            code = process.returncode
        except OSError as failure:  # rclone could not be started
            said.last_error = str(failure)
        finally:
            if process is not None:
                self.running.discard(process)
            heard.put(
                _Heard(batch, code=code, error=said.last_error, refused=frozenset(said.refused))
            )


# Syncs run at once: Immich's folders (one sync) and photos-sync's data folder, so a night's
# fixed cost is about one rclone start, not five in a row.
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
    on_stats: Callable[[str, Stats], None] | None = None,
) -> list[JobResult]:
    """Every job not yet completed, in priority order, batched (:func:`batches`) and
    :data:`PARALLEL` batches at once; each retried on rclone's temporary failures, stopped by
    the deletion guard. The results in the jobs' order."""
    todo = batches([job for job in jobs if job.status != "COMPLETED"])
    heard: queue.Queue[_Heard] = queue.Queue()
    held: dict[int, int] = {}  # files each folder's last completed backup held
    results: dict[int, JobResult] = {}
    running = 0
    underway: set[int] = set()  # the jobs whose sync has started and not yet ended
    with log.open("a") as sink:
        syncs = _Syncs(rclone, env, sink, threading.Lock(), dry_run, guard)

        def start(batch: Batch) -> None:
            nonlocal running
            for job in batch.jobs:
                if job.id not in held:
                    known = job.files_in_backup
                    held[job.id] = count_files(job.source_path) if known is None else known
                if not dry_run:
                    backup_jobs.set_status(connection, job.id, "RUNNING")
                underway.add(job.id)
            running += 1
            limits = {job.id: guard.limit(held[job.id]) for job in batch.jobs}
            threading.Thread(target=syncs.sync, args=(batch, limits, heard), daemon=True).start()

        try:
            while todo or running:
                while todo and running < PARALLEL:
                    start(todo.pop(0))
                event = heard.get()
                if event.code is None:
                    assert event.stats is not None
                    if not dry_run:
                        for job_id, progress in event.progress.items():
                            backup_jobs.record_progress(connection, job_id, progress)
                    if on_stats:
                        on_stats(event.batch.name, event.stats)
                    continue
                running -= 1
                underway.difference_update(job.id for job in event.batch.jobs)
                ended, again = _ended(connection, event, held, guard, max_retries, dry_run)
                results.update((result.job.id, result) for result in ended)
                todo[:0] = again  # retries, or the folders a refusal stopped, go first
        except BaseException:  # an error, Ctrl-C or SIGTERM: the syncs under way were cut
            if not dry_run:
                backup_jobs.interrupt(connection, sorted(underway))
            raise
        finally:  # no rclone goes on writing, unwatched
            syncs.stop()
            while running:
                running -= heard.get().code is not None
    return [results[job.id] for job in jobs if job.id in results]


def _ended(
    connection: sqlite3.Connection,
    event: _Heard,
    held: dict[int, int],
    guard: DeletionGuard,
    max_retries: int,
    dry_run: bool,
) -> tuple[list[JobResult], list[Batch]]:
    """What a batch's ended rclone means: its jobs' results, and the batches to run again
    (the others when the guard stopped some folders; see :func:`_failed` for failures)."""
    batch = event.batch
    refused = [
        _refused(connection, job, guard, held[job.id], dry_run)
        for job in batch.jobs
        if job.id in event.refused
    ]
    rest = batch.without(set(event.refused))
    if rest is None:
        return refused, []
    if event.code == 0:
        return refused + [_completed(connection, job, dry_run) for job in rest.jobs], []
    if refused:
        return refused, [rest]  # stopped for the refused folders: the others go on
    return _failed(connection, rest, event, max_retries, dry_run)


def _completed(connection: sqlite3.Connection, job: Job, dry_run: bool) -> JobResult:
    if not dry_run:
        backup_jobs.set_status(connection, job.id, "COMPLETED")
        backup_jobs.record_files_in_backup(connection, job.id, count_files(job.source_path))
    return JobResult(job, "COMPLETED")


def _failed(
    connection: sqlite3.Connection, batch: Batch, event: _Heard, max_retries: int, dry_run: bool
) -> tuple[list[JobResult], list[Batch]]:
    """A failed sync. Each folder goes again alone: on rclone's temporary failures while
    its retries last, and once in any case when the sync held several folders, so that
    one folder's failure (a folder it cannot read) stays that folder's, as when each
    folder had its own sync. What remains has failed."""
    message = f"rclone exited {event.code}" + (f": {event.error}" if event.error else "")
    results, again = [], []
    for job in batch.jobs:
        if event.code in RETRYABLE and job.retry_count < max_retries and not dry_run:
            backup_jobs.count_retry(connection, job.id)
            again.append(replace(job, retry_count=job.retry_count + 1, error_message=message))
        elif len(batch.jobs) > 1:
            again.append(job)
        else:
            if not dry_run:
                backup_jobs.set_status(connection, job.id, "FAILED", message)
            results.append(JobResult(job, "FAILED", message))
    return results, [Batch((job,)) for job in again]


def _refused(
    connection: sqlite3.Connection, job: Job, guard: DeletionGuard, held: int, dry_run: bool
) -> JobResult:
    limit = guard.limit(held)
    assert limit is not None  # only a limited folder is refused
    refusal = _refusal(job, guard, limit, held)
    if not dry_run:
        backup_jobs.set_status(connection, job.id, "FAILED", refusal)
    return JobResult(job, "FAILED", refusal, refused=True)


def _refusal(job: Job, guard: DeletionGuard, limit: int, held: int) -> str:
    return (
        f"refused: this sync would delete more than {limit:,} of the {held:,} files its "
        f"last backup held (is the disk mounted?); the few deleted before the stop are kept "
        f"in {guard.kept_in(job.source_path)}. If the deletions are meant, run "
        "`photos-sync backup --allow-deletions`"
    )

"""The ``backup_destinations`` and ``backup_jobs`` tables: one job per source folder."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import PurePath

from photos_sync.track.runs import now_iso


@dataclass(frozen=True)
class Destination:
    """Where backups go (a row of ``backup_destinations``)."""

    id: int
    name: str
    type: str  # b2 | s3 | local
    bucket_name: str  # for local: the folder
    remote_path: str


@dataclass(frozen=True)
class Progress:
    """How far one job's transfer is (from rclone's stats)."""

    total_bytes: int
    bytes: int
    total_files: int
    files: int
    speed: float


@dataclass(frozen=True)
class Job:
    id: int
    source_path: str
    status: str
    priority: int
    bytes_transferred: int
    files_transferred: int
    last_update: str | None
    retry_count: int
    error_message: str | None
    files_in_backup: int | None = None  # what the folder held when it last completed

    def to_json(self) -> dict[str, object]:
        return {
            "folder": PurePath(self.source_path).name,
            "source": self.source_path,
            "status": self.status,
            "priority": self.priority,
            "files_transferred": self.files_transferred,
            "bytes_transferred": self.bytes_transferred,
            "files_in_backup": self.files_in_backup,
            "last_update": self.last_update,
            "retry_count": self.retry_count,
            "error": self.error_message,
        }


def destination(connection: sqlite3.Connection, name: str) -> Destination | None:
    row = connection.execute(
        "SELECT id, name, type, bucket_name, remote_path FROM backup_destinations WHERE name = ?",
        (name,),
    ).fetchone()
    return Destination(row[0], row[1], row[2], row[3] or "", row[4] or "") if row else None


def save_destination(
    connection: sqlite3.Connection, name: str, kind: str, bucket: str, remote_path: str
) -> Destination:
    connection.execute(
        "INSERT INTO backup_destinations (name, type, bucket_name, remote_path, created_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET type = excluded.type,"
        " bucket_name = excluded.bucket_name, remote_path = excluded.remote_path",
        (name, kind, bucket, remote_path, now_iso()),
    )
    found = destination(connection, name)
    assert found is not None
    return found


def jobs(connection: sqlite3.Connection, destination_id: int) -> list[Job]:
    rows = connection.execute(
        "SELECT id, source_path, status, priority, bytes_transferred, files_transferred,"
        " last_update, retry_count, error_message, files_in_backup FROM backup_jobs"
        " WHERE destination_id = ? ORDER BY priority, id",
        (destination_id,),
    )
    return [Job(*row) for row in rows]


def ensure_jobs(
    connection: sqlite3.Connection, destination_id: int, sources: list[tuple[str, int]]
) -> list[Job]:
    """A job per source folder; finished ones start over as PENDING, unfinished ones stay."""
    known = {job.source_path: job for job in jobs(connection, destination_id)}
    for source, priority in sources:
        job = known.get(source)
        if job is None:
            connection.execute(
                "INSERT INTO backup_jobs (destination_id, source_path, status, priority)"
                " VALUES (?, ?, 'PENDING', ?)",
                (destination_id, source, priority),
            )
        elif job.status == "COMPLETED":
            connection.execute(
                "UPDATE backup_jobs SET status = 'PENDING', retry_count = 0,"
                " bytes_transferred = 0, files_transferred = 0, error_message = NULL"
                " WHERE id = ?",
                (job.id,),
            )
    return jobs(connection, destination_id)


def stale_jobs(jobs_: list[Job], stats_interval: int, now: datetime | None = None) -> list[Job]:
    """RUNNING jobs that have not reported for 3 stats intervals: their process is gone."""
    now = now or datetime.now(UTC)
    limit = timedelta(seconds=3 * stats_interval)
    return [
        job
        for job in jobs_
        if job.status == "RUNNING"
        and (job.last_update is None or now - datetime.fromisoformat(job.last_update) > limit)
    ]


def set_status(
    connection: sqlite3.Connection, job_id: int, status: str, error: str | None = None
) -> None:
    now = now_iso()
    started = ", started_at = ?" if status == "RUNNING" else ""
    done = ", completed_at = ?" if status == "COMPLETED" else ""
    params: list[object] = [status, error, now]
    params += [now] if started else []
    params += [now] if done else []
    connection.execute(
        f"UPDATE backup_jobs SET status = ?, error_message = ?, last_update = ?{started}{done}"
        " WHERE id = ?",
        (*params, job_id),
    )


def record_files_in_backup(connection: sqlite3.Connection, job_id: int, files: int) -> None:
    """How many files the folder's backup holds now: the measure of the next deletion guard."""
    connection.execute("UPDATE backup_jobs SET files_in_backup = ? WHERE id = ?", (files, job_id))


def record_progress(connection: sqlite3.Connection, job_id: int, progress: Progress) -> None:
    connection.execute(
        "UPDATE backup_jobs SET bytes_total = ?, bytes_transferred = ?, files_total = ?,"
        " files_transferred = ?, transfer_speed = ?, last_update = ? WHERE id = ?",
        (
            progress.total_bytes,
            progress.bytes,
            progress.total_files,
            progress.files,
            progress.speed,
            now_iso(),
            job_id,
        ),
    )


def last_backup_at(connection: sqlite3.Connection, destination_id: int) -> str | None:
    """When the destination last had every folder backed up completely."""
    row = connection.execute(
        "SELECT last_backup_at FROM backup_destinations WHERE id = ?", (destination_id,)
    ).fetchone()
    return str(row[0]) if row and row[0] else None


def count_retry(connection: sqlite3.Connection, job_id: int) -> None:
    connection.execute(
        "UPDATE backup_jobs SET retry_count = retry_count + 1 WHERE id = ?", (job_id,)
    )


def interrupt(connection: sqlite3.Connection, job_ids: list[int]) -> None:
    connection.executemany(
        "UPDATE backup_jobs SET status = 'INTERRUPTED', last_update = ? WHERE id = ?",
        [(now_iso(), job_id) for job_id in job_ids],
    )


def reset(connection: sqlite3.Connection, destination_id: int) -> int:
    cursor = connection.execute(
        "DELETE FROM backup_jobs WHERE destination_id = ?", (destination_id,)
    )
    return cursor.rowcount


def finished(connection: sqlite3.Connection, destination_id: int) -> None:
    connection.execute(
        "UPDATE backup_destinations SET last_backup_at = ? WHERE id = ?",
        (now_iso(), destination_id),
    )

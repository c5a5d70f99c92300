"""Reading the backup tables for ``status`` (the backup command owns writing them)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True)
class BackupSummary:
    name: str
    type: str
    last_backup_at: str | None
    jobs: dict[str, int]  # status -> how many folders


def backup_summaries(connection: sqlite3.Connection) -> list[BackupSummary]:
    summaries = []
    for destination in connection.execute(
        "SELECT id, name, type, last_backup_at FROM backup_destinations ORDER BY name"
    ):
        jobs = dict(
            connection.execute(
                "SELECT status, COUNT(*) FROM backup_jobs WHERE destination_id = ? GROUP BY status",
                (destination["id"],),
            ).fetchall()
        )
        summaries.append(
            BackupSummary(
                destination["name"], destination["type"], destination["last_backup_at"], jobs
            )
        )
    return summaries

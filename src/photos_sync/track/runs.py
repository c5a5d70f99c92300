"""A line per command run, so ``status`` can say when the last run was and how it ended."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def start_run(connection: sqlite3.Connection, command: str) -> int:
    cursor = connection.execute(
        "INSERT INTO runs (command, started_at, outcome) VALUES (?, ?, 'running')",
        (command, now_iso()),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def finish_run(
    connection: sqlite3.Connection, run_id: int, outcome: str, summary: dict[str, Any]
) -> None:
    connection.execute(
        "UPDATE runs SET finished_at = ?, outcome = ?, summary = ? WHERE id = ?",
        (now_iso(), outcome, json.dumps(summary, sort_keys=True), run_id),
    )


@dataclass(frozen=True)
class RunRecord:
    command: str
    started_at: str
    finished_at: str | None
    outcome: str | None
    summary: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "command": self.command,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "outcome": self.outcome,
            "summary": self.summary,
        }


def last_run(connection: sqlite3.Connection) -> RunRecord | None:
    row = connection.execute(
        "SELECT command, started_at, finished_at, outcome, summary FROM runs"
        " ORDER BY id DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    return RunRecord(
        command=row["command"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        outcome=row["outcome"],
        summary=json.loads(row["summary"]) if row["summary"] else {},
    )

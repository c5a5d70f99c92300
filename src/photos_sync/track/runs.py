"""A line per command run, so ``status`` can say when the last run was and how it ended."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from photos_sync.errors import PhotosSyncError
from photos_sync.logs import current_log
from photos_sync.redact import redact


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
    """End the run's row; the run's log file is named in its summary (``log``)."""
    log_file = current_log()
    if log_file is not None:
        summary = {**summary, "log": str(log_file)}
    connection.execute(
        "UPDATE runs SET finished_at = ?, outcome = ?, summary = ? WHERE id = ?",
        (now_iso(), outcome, json.dumps(summary, sort_keys=True), run_id),
    )


@dataclass
class Run:
    """What a command says of its run before it ends (``ok`` with no summary if nothing)."""

    outcome: str = "ok"
    summary: dict[str, Any] = field(default_factory=dict)

    def finish(self, outcome: str, summary: dict[str, Any]) -> None:
        self.outcome, self.summary = outcome, summary


@contextmanager
def recorded_run(
    connection: sqlite3.Connection, command: str, *, enabled: bool = True
) -> Iterator[Run]:
    """One row in ``runs`` for the command, ended whatever happens: as the command says,
    ``interrupted`` by Ctrl-C, ``failed`` with the error for anything else, a key refused
    midway included (so ``status`` never shows a dead run as still running)."""
    run = Run()
    if not enabled:  # a dry run records nothing
        yield run
        return
    run_id = start_run(connection, command)
    try:
        yield run
    except KeyboardInterrupt:
        finish_run(connection, run_id, "interrupted", {"reason": "interrupted"})
        raise
    except BaseException as error:
        reason = error.one_line() if isinstance(error, PhotosSyncError) else repr(error)
        finish_run(connection, run_id, "failed", {"error": redact(reason)[:500]})
        raise
    finish_run(connection, run_id, run.outcome, run.summary)


@dataclass(frozen=True)
class RunRecord:
    command: str
    started_at: str
    finished_at: str | None
    outcome: str | None
    summary: dict[str, Any]

    @property
    def log_file(self) -> str | None:
        return self.summary.get("log")

    def to_json(self) -> dict[str, Any]:
        return {
            "command": self.command,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "outcome": self.outcome,
            "summary": self.summary,
        }


def _record(row: sqlite3.Row) -> RunRecord:
    return RunRecord(
        command=row["command"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        outcome=row["outcome"],
        summary=json.loads(row["summary"]) if row["summary"] else {},
    )


RUN_COLUMNS = "SELECT command, started_at, finished_at, outcome, summary FROM runs"


def last_run(connection: sqlite3.Connection) -> RunRecord | None:
    row = connection.execute(f"{RUN_COLUMNS} ORDER BY id DESC LIMIT 1").fetchone()
    return None if row is None else _record(row)


def recent_runs(connection: sqlite3.Connection, limit: int) -> list[RunRecord]:
    """The last ``limit`` runs, newest first."""
    rows = connection.execute(f"{RUN_COLUMNS} ORDER BY id DESC LIMIT ?", (limit,))
    return [_record(row) for row in rows]


def last_runs(connection: sqlite3.Connection, commands: tuple[str, ...]) -> list[RunRecord]:
    """The most recent run of each of these commands that ran, in that order."""
    found = []
    for command in commands:
        row = connection.execute(
            f"{RUN_COLUMNS} WHERE command = ? ORDER BY id DESC LIMIT 1", (command,)
        ).fetchone()
        if row is not None:
            found.append(_record(row))
    return found

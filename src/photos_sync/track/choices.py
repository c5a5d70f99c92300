"""The ``choices`` table: the import choices of this data folder (see plan/choices.py)."""

from __future__ import annotations

import sqlite3

from photos_sync.track.database import transaction


def stored_choices(connection: sqlite3.Connection) -> dict[str, str]:
    return dict(connection.execute("SELECT name, value FROM choices").fetchall())


def store_choices(connection: sqlite3.Connection, values: dict[str, str]) -> None:
    with transaction(connection):
        connection.executemany(
            "INSERT OR REPLACE INTO choices (name, value) VALUES (?, ?)", list(values.items())
        )

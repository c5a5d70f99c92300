"""Which Immich server and user the tracker's ids belong to, and which Photos library its
rows are of.

Immich ids mean something only on the server that made them. A tracker filled against one
server and pointed at another (Immich reinstalled, another user's key) would otherwise say
"up to date" every night while the new server stays empty. Immich 3 has no stable server
id, so the binding is the user's id (a UUID made when the user was created: a reinstall
makes a new one) and the server address it was seen at, backed by a sample of recorded ids
that must still be there.
"""

from __future__ import annotations

import json
import random
import sqlite3
from dataclasses import dataclass

from photos_sync.track.database import transaction


@dataclass(frozen=True)
class Binding:
    server: str  # the API address, without credentials
    user_id: str  # "" when the key may not read its user (no user.read)
    user_email: str

    def describe(self) -> str:
        who = self.user_email or self.user_id or "an unknown user"
        return f"{who} at {self.server}"


def read_binding(connection: sqlite3.Connection) -> Binding | None:
    values = dict(connection.execute("SELECT key, value FROM server_binding").fetchall())
    if "server" not in values:
        return None
    return Binding(values["server"], values.get("user_id", ""), values.get("user_email", ""))


def record_binding(connection: sqlite3.Connection, binding: Binding) -> None:
    with transaction(connection):
        connection.executemany(
            "INSERT OR REPLACE INTO server_binding (key, value) VALUES (?, ?)",
            [
                ("server", binding.server),
                ("user_id", binding.user_id),
                ("user_email", binding.user_email),
            ],
        )


HELD_QUEUES = "held_queues"  # server_binding's key for the Immich queues a run paused


def held_queues(connection: sqlite3.Connection) -> list[str]:
    """The Immich queues a run paused and has not resumed yet (a run killed meanwhile)."""
    row = connection.execute(
        "SELECT value FROM server_binding WHERE key = ?", (HELD_QUEUES,)
    ).fetchone()
    return [str(name) for name in json.loads(row[0])] if row else []


def record_held_queues(connection: sqlite3.Connection, names: list[str]) -> None:
    """Written before the queues are paused, emptied once they are resumed."""
    with transaction(connection):
        if names:
            connection.execute(
                "INSERT OR REPLACE INTO server_binding (key, value) VALUES (?, ?)",
                (HELD_QUEUES, json.dumps(sorted(set(names)))),
            )
        else:
            connection.execute("DELETE FROM server_binding WHERE key = ?", (HELD_QUEUES,))


_SAMPLED = (
    "SELECT immich_id, sha1 FROM imported_assets WHERE status = 'imported'"
    " AND immich_id IS NOT NULL AND sha1 IS NOT NULL"
)


PICKS_PER_SAMPLE = 4  # rowids drawn per asset wanted: some are not imported, or deleted


def recorded_sample(connection: sqlite3.Connection, size: int) -> list[tuple[str, str]]:
    """Up to ``size`` imported assets, (Immich id, SHA-1), spread over the tracker.

    Rows are picked at random by rowid, a few look-ups: drawing them with ``ORDER BY
    random()`` read and sorted every imported row, 100k each night (the whole table, from
    disk when the tracker has left the cache during the day). When too few of the picks
    are imported assets (a small tracker, or one mostly of skipped assets), more are
    drawn, up to every row."""
    (last,) = connection.execute("SELECT max(rowid) FROM imported_assets").fetchone()
    picks = size * PICKS_PER_SAMPLE
    while last and size > 0:
        drawn = random.sample(range(1, last + 1), min(last, picks))
        rows = connection.execute(
            f"{_SAMPLED} AND rowid IN (SELECT value FROM json_each(?)) LIMIT ?",
            (json.dumps(drawn), size),
        ).fetchall()
        if len(rows) == size or len(drawn) == last:
            return [(row[0], row[1]) for row in rows]
        picks *= PICKS_PER_SAMPLE
    return []


def forget_server(connection: sqlite3.Connection) -> int:
    """Drop every Immich id (assets, albums, tags, stacks, what was sent), keeping what the
    library said and each file's SHA-1: the next import finds by checksum what the new
    server holds and uploads the rest. Returns how many imported assets are re-checked."""
    with transaction(connection):
        cursor = connection.execute(
            "UPDATE imported_assets SET status = 'pending', immich_id = NULL,"
            " motion_video_immich_id = NULL, applied_metadata = NULL, companions = NULL,"
            " metadata_settled = NULL,"
            " error_reason = NULL, uploaded_by_photos_sync = NULL, removed_in_immich = NULL"
            " WHERE status = 'imported'"
        )
        tables = ("album_map", "album_members", "tag_map", "stacks", "person_map", "server_binding")
        for table in tables:
            connection.execute(f"DELETE FROM {table}")
    return cursor.rowcount


@dataclass(frozen=True)
class LibraryBinding:
    """A Photos library as the tracker knows it: its store's UUID (made with the library,
    kept by every copy of it) and where it was last read."""

    store_uuid: str
    path: str


def read_library_binding(connection: sqlite3.Connection) -> LibraryBinding | None:
    values = dict(connection.execute("SELECT key, value FROM library_binding").fetchall())
    if "store_uuid" not in values:
        return None
    return LibraryBinding(values["store_uuid"], values.get("path", ""))


def record_library_binding(connection: sqlite3.Connection, binding: LibraryBinding) -> None:
    with transaction(connection):
        connection.executemany(
            "INSERT OR REPLACE INTO library_binding (key, value) VALUES (?, ?)",
            [("store_uuid", binding.store_uuid), ("path", binding.path)],
        )

"""Opening the tracker database: create, migrate, and refuse what we cannot read.

WAL mode so ``status`` can read while an import writes; foreign keys on; the file is
private to the user (0600) because it maps a person's whole photo library.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import stat
import time
from collections.abc import Collection, Iterable, Iterator
from contextlib import closing, contextmanager, suppress
from pathlib import Path
from typing import Any

from photos_sync.errors import TrackerError
from photos_sync.track.migrations import LATEST_VERSION, MIGRATIONS

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000


def locked_by_another_program(path: Path) -> TrackerError:
    return TrackerError(
        f"The tracker is locked by another program (it waited {BUSY_TIMEOUT_MS // 1000} s): {path}",
        "Close whatever has it open (a database browser, a copy in progress) and run again",
    )


def _unreadable(path: Path, error: sqlite3.Error) -> TrackerError:
    name = getattr(error, "sqlite_errorname", "") or ""
    if name.startswith("SQLITE_BUSY") or "database is locked" in str(error):
        return locked_by_another_program(path)
    if name.startswith(("SQLITE_FULL", "SQLITE_IOERR")) or "disk is full" in str(error):
        return TrackerError(
            f"The tracker cannot be written ({error}): the data folder's disk is full, over "
            f"quota or failing ({path})",
            "Free some space (or point PHOTOS_SYNC_DATA elsewhere) and run again; nothing "
            "half-written was kept",
        )
    if _damaged(error):
        return TrackerError(f"The tracker database is damaged ({error}): {path}", _REPLACE)
    return TrackerError(f"Tracker database is unreadable ({error}): {path}", _REPLACE)


# What to do with a tracker that cannot be used: the snapshot each backup leaves first.
_REPLACE = (
    "Put back the copy the last backup made (tracker-snapshot.db in the data folder, or "
    "`photos-sync restore --path data`) in its place; without one, move it aside and run "
    "again: a new tracker finds the files already in Immich by checksum"
)


def _damaged(error: sqlite3.Error) -> bool:
    name = getattr(error, "sqlite_errorname", "") or ""
    return name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or "malformed" in str(error)


def _refuse_empty(path: Path) -> None:
    """A tracker of 0 bytes was cut short (a full disk, a copy interrupted): SQLite would
    take it for a new, empty one and the next run would start over, adopting everything."""
    try:
        empty = path.stat().st_size == 0
    except OSError:
        return
    if empty:
        raise TrackerError(f"The tracker database is empty (0 bytes): {path}", _REPLACE)


@contextmanager
def damage_named(path: Path) -> Iterator[None]:
    """Damage SQLite finds while a tracker is in use is said once, naming the tracker."""
    try:
        yield
    except sqlite3.DatabaseError as error:
        if _damaged(error):
            raise _unreadable(path, error) from None
        raise


@contextmanager
def reading(path: Path) -> Iterator[sqlite3.Connection | None]:
    """The tracker opened read-only (None while there is none yet), closed after use."""
    connection = open_tracker_read_only(path)
    if connection is None:
        yield None
        return
    with closing(connection), damage_named(path):
        yield connection


def _configure(connection: sqlite3.Connection) -> None:
    connection.row_factory = sqlite3.Row
    connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    connection.execute("PRAGMA foreign_keys = ON")


# Assets looked up by UUID at most; for more, one pass over the table is quicker.
LOOK_UP_AT_MOST = 5000


def tuples(connection: sqlite3.Connection) -> sqlite3.Cursor:
    """A cursor whose rows are plain tuples: the connection's ``sqlite3.Row`` is a Python
    object per row, and the reads of every tracked asset (100k a night) need none."""
    cursor = connection.cursor()
    cursor.row_factory = None
    return cursor


def rows_by_uuid(
    connection: sqlite3.Connection, query: str, uuids: Collection[str]
) -> Iterable[tuple[Any, ...]]:
    """The rows of ``query`` (a SELECT of ``imported_assets`` whose first column is the
    Photos UUID, ending in its WHERE clause) for the assets of ``uuids``, as plain tuples:
    looked up by UUID for up to :data:`LOOK_UP_AT_MOST` of them, else picked from one pass
    over the table."""
    cursor = tuples(connection)
    if len(uuids) > LOOK_UP_AT_MOST:
        wanted = set(uuids)
        return (row for row in cursor.execute(query) if row[0] in wanted)
    looked_up = f"{query} AND icloud_uuid IN (SELECT value FROM json_each(?))"
    return cursor.execute(looked_up, (json.dumps(list(uuids)),))


def _use_wal(connection: sqlite3.Connection) -> None:
    """Switch the file to WAL (it stays so). SQLite refuses the switch at once, without
    waiting, while another connection has the file open, so wait here as busy_timeout would;
    once any process has switched it, the others find it done."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            connection.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@contextmanager
def transaction(connection: Any) -> Iterator[None]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error (a full disk included, where
    SQLite has already rolled back itself)."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
        connection.execute("COMMIT")
    except BaseException:
        with suppress(sqlite3.Error):
            connection.execute("ROLLBACK")
        raise


def schema_version(connection: sqlite3.Connection) -> int:
    return int(connection.execute("PRAGMA user_version").fetchone()[0])


def migrate(connection: sqlite3.Connection, target: int = LATEST_VERSION) -> list[int]:
    """Apply the steps after the database's version up to ``target``; return those applied.

    Each step runs in one transaction together with its ``user_version`` bump, so a kill in
    the middle leaves the database at the previous version, never half-migrated. The
    version is read again inside that transaction: a backup and an import (which hold
    different locks) may both open an old tracker, and the second must not redo a step.
    """
    current = schema_version(connection)
    if current > LATEST_VERSION:
        raise TrackerError(
            f"Tracker database is from a newer photos-sync (schema {current}, "
            f"this one knows {LATEST_VERSION})",
            "Upgrade photos-sync",
        )
    applied = []
    for step in MIGRATIONS:
        if current < step.version <= target:
            with transaction(connection):
                if schema_version(connection) >= step.version:
                    continue  # another photos-sync applied it meanwhile
                for statement in step.statements:
                    connection.execute(statement)
                connection.execute(f"PRAGMA user_version = {step.version}")
            log.info("tracker schema upgraded to version %d", step.version)
            applied.append(step.version)
    return applied


def make_private(folder: Path) -> str | None:
    """The data folder 0700 and everything in it private to the user (it maps a whole photo
    library, holds logs with file names and the tracker); says what it had to fix."""
    if not folder.is_dir():
        return None
    was = stat.S_IMODE(folder.stat().st_mode)
    fixed = 0
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root) / name
            mode = stat.S_IMODE(path.lstat().st_mode)
            if not path.is_symlink() and mode & 0o077:
                path.chmod(mode & 0o700)
                fixed += 1
    if was & 0o077:
        folder.chmod(0o700)
    if not was & 0o077 and not fixed:
        return None
    return (
        f"Made the data folder private to you (it was {was:04o}, {fixed} files or folders in "
        f"it were readable by others): {folder}"
    )


def create_private_file(path: Path) -> None:
    """An empty file only its owner can read (the previous one's contents are gone)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def _create_private(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def _read_only_uri(path: Path) -> str:
    """How to open the tracker only to read it. In a folder nobody can write (a read-only
    disk), SQLite cannot make the files a WAL database is read through: it is then opened
    as immutable, which needs none (nothing can change it there)."""
    uri = f"{path.resolve().as_uri()}?mode=ro"
    return uri if os.access(path.parent, os.W_OK) else uri + "&immutable=1"


def open_tracker(path: Path) -> sqlite3.Connection:
    """Open (creating and migrating as needed) the tracker for reading and writing.

    The caller holds the data folder's lock (:mod:`photos_sync.track.lock`).
    """
    _refuse_empty(path)
    try:
        _create_private(path)
        connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    except (sqlite3.Error, OSError) as error:
        raise _cannot_create(path, error) from None
    try:
        _configure(connection)
        _use_wal(connection)
        connection.execute("PRAGMA synchronous = NORMAL")
        migrate(connection)
    except BaseException as error:
        connection.close()
        if isinstance(error, sqlite3.Error):
            raise _unreadable(path, error) from None
        raise
    return connection


def _cannot_create(path: Path, error: sqlite3.Error | OSError) -> TrackerError:
    reason = error.strerror if isinstance(error, OSError) else str(error)
    return TrackerError(
        f"Cannot create the tracker database ({reason}): {path}",
        "Check that the data folder (--data-dir / PHOTOS_SYNC_DATA) is writable",
    )


def open_tracker_read_only(path: Path) -> sqlite3.Connection | None:
    """Open the tracker to read while another photos-sync may be writing; None if absent."""
    if not path.exists():
        return None
    _refuse_empty(path)
    try:
        connection = sqlite3.connect(_read_only_uri(path), uri=True, isolation_level=None)
        _configure(connection)
        version = schema_version(connection)
    except sqlite3.Error as error:
        raise _unreadable(path, error) from None
    if version != LATEST_VERSION:
        connection.close()
        newer = version > LATEST_VERSION
        raise TrackerError(
            f"Tracker database is at schema {version}, this photos-sync uses {LATEST_VERSION}",
            "Upgrade photos-sync" if newer else "Run `photos-sync reclassify` once to upgrade it",
        )
    return connection


def snapshot(connection: sqlite3.Connection, target: Path) -> None:
    """A consistent copy of the live tracker (SQLite's online backup), written atomically."""
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    with closing(sqlite3.connect(partial)) as copy:
        connection.backup(copy)
    os.chmod(partial, 0o600)
    os.replace(partial, target)


def describe_tracker(path: Path) -> str:
    """What ``doctor`` says of the tracker; :class:`TrackerError` when it cannot be used."""
    if not path.exists():
        return f"none yet at {path} (the first import makes it)"
    _refuse_empty(path)
    try:
        with closing(
            sqlite3.connect(_read_only_uri(path), uri=True, isolation_level=None)
        ) as connection:
            version = schema_version(connection)
            connection.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as error:
        raise _unreadable(path, error) from None
    if version > LATEST_VERSION:
        raise TrackerError(
            f"Tracker database is from a newer photos-sync (schema {version}, this one "
            f"knows {LATEST_VERSION}): {path}",
            "Upgrade photos-sync",
        )
    later = ", upgraded by the next command that writes" if version < LATEST_VERSION else ""
    return f"{path} (schema {version}{later})"

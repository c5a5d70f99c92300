"""Immich's database in the backup. Files alone do not bring Immich back: albums, people,
users and every asset's record live in its database, which Immich dumps into ``backups/``.
Before the files are backed up, a fresh dump is asked for (an admin key can), else a
stale one is pointed out; ``restore --drill`` proves the newest backed-up dump can bring
Immich back: it decompresses, holds the asset table, and every original it names is in
the backup with the size it records."""

from __future__ import annotations

import tempfile
import time
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from photos_sync.backup.dump import dump_time, newest_dump, newest_dump_in, read_dump
from photos_sync.backup.rclone import Rclone
from photos_sync.backup.remotes import CRYPT_ROOT
from photos_sync.errors import BackupError, ImmichAuthError, ImmichUnavailable
from photos_sync.track.assets import last_upload
from photos_sync.track.database import open_tracker_read_only
from photos_sync.workflow.workspace import Workspace

if TYPE_CHECKING:  # a backup that asks for no dump imports no HTTP client
    from photos_sync.immich.client import ImmichClient

DUMP_WAIT = 600.0  # seconds Immich gets to finish a dump (300k assets: about a minute)
DUMP_POLL = 2.0
DUMPS = "backups"  # Immich's folder of database dumps, inside its media folder
ORIGINALS = ("upload", "library")  # where Immich keeps originals (library: the template's)


def hours_old(name: str) -> float | None:
    made = dump_time(name)
    return None if made is None else (datetime.now(UTC) - made).total_seconds() / 3600


def newest_local_dump(immich: Path) -> tuple[str, float] | None:
    """The newest dump in Immich's media folder and its age in hours."""
    found = newest_dump_in(immich / DUMPS)
    age = hours_old(found.name) if found else None
    return (found.name, age) if found and age is not None else None


def _dumps_if_allowed(work: Workspace, client: ImmichClient) -> set[str] | None:
    """The dumps Immich lists, when this key may ask for them (an admin key, Immich
    reachable); None otherwise."""
    try:
        return set(client.database_dumps())
    except ImmichAuthError:
        return None
    except ImmichUnavailable as error:
        work.feedback.warn(f"Warning: could not ask Immich for a database dump: {error.message}.")
        return None


def fresh_dump(work: Workspace, immich: Path) -> str | None:
    """Ask Immich for a database dump and wait for it (bounded); without an admin key, a
    warning when the newest dump is older than the last upload. The new dump's name."""
    settings = work.settings
    if settings.immich_url and settings.immich_api_key is not None:
        with work.immich_client() as client:
            before = _dumps_if_allowed(work, client)
            if before is not None:
                return _dump_now(work, client, before)
    _warn_if_stale(work, immich)
    return None


def _dump_now(work: Workspace, client: ImmichClient, before: set[str]) -> str | None:
    client.start_database_dump()
    started = time.monotonic()
    with work.feedback.meter("Immich is dumping its database", 0, unit="seconds") as progress:
        while time.monotonic() - started < DUMP_WAIT:
            made = set(client.database_dumps()) - before
            if made:
                name = newest_dump(made) or sorted(made)[-1]
                work.feedback.note(f"Database dump made by Immich: {name}.")
                return name
            progress.update(int(time.monotonic() - started), int(DUMP_WAIT))
            time.sleep(DUMP_POLL)
    work.feedback.warn(
        f"Warning: Immich did not finish a database dump within {DUMP_WAIT / 60:.0f} minutes; "
        "the backup holds the newest one there is."
    )
    return None


def _last_upload(work: Workspace) -> datetime | None:
    connection = open_tracker_read_only(work.settings.tracker_path)
    if connection is None:
        return None
    with closing(connection):
        stamp = last_upload(connection)
    return datetime.fromisoformat(stamp) if stamp else None


def _warn_if_stale(work: Workspace, immich: Path) -> None:
    newest = newest_local_dump(immich)
    hint = "an admin API key lets `backup` ask Immich for a fresh one"
    if newest is None:
        work.feedback.warn(
            f"Warning: no database dump in {immich / DUMPS}: a restore would have the files "
            f"but no albums, people or users. Immich makes one nightly by default; {hint}."
        )
        return
    name, age = newest
    uploaded = _last_upload(work)
    made = dump_time(name)
    if uploaded is not None and made is not None and made < uploaded:
        work.feedback.warn(
            f"Warning: the newest database dump ({name}, {age:.0f} h old) is older than the "
            f"last upload to Immich; {hint}."
        )


@dataclass
class DrillOutcome:
    dump: str
    dump_age_hours: float | None
    tables: int
    assets: int
    found: int  # originals in the backup with the size the dump records
    missing: list[str] = field(default_factory=list)
    wrong_size: list[str] = field(default_factory=list)
    outside: int = 0  # originals outside the media folder (external libraries)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.missing and not self.wrong_size

    def to_json(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "dump": self.dump,
            "dump_age_hours": self.dump_age_hours,
            "tables": self.tables,
            "assets": self.assets,
            "found": self.found,
            "missing": self.missing,
            "wrong_size": self.wrong_size,
            "outside_media_folder": self.outside,
            "seconds": round(self.seconds, 1),
        }


def _held(rclone: Rclone) -> dict[str, int]:
    """Every original the backup holds (path inside the media folder -> bytes)."""
    return {
        f"{top}/{name}": size
        for top in ORIGINALS
        for name, size in rclone.sizes(f"{CRYPT_ROOT}{top}").items()
    }


def drill(rclone: Rclone, scratch: Path | None) -> DrillOutcome:
    """Restore the newest dump of the backup into a scratch folder and check it against
    the backup's originals (their sizes as they restore, without copying terabytes)."""
    started = time.monotonic()
    names = rclone.sizes(f"{CRYPT_ROOT}{DUMPS}")
    name = newest_dump(names)
    if name is None:
        raise BackupError(
            "The backup holds no database dump: it could not bring Immich back",
            "Run `photos-sync backup` with an admin API key (it asks Immich for a dump)",
        )
    with tempfile.TemporaryDirectory(prefix="photos-sync-drill-", dir=scratch) as folder:
        local = Path(folder) / name
        rclone.fetch(f"{CRYPT_ROOT}{DUMPS}/{name}", local)
        contents = read_dump(local)
    if "asset" not in contents.tables:
        raise BackupError(f"The database dump {name} holds no asset table: it is not Immich's")
    held = _held(rclone)
    outcome = DrillOutcome(name, hours_old(name), len(contents.tables), len(contents.originals), 0)
    for path, size in sorted(contents.originals.items()):
        relative = contents.relative(path)
        if relative is None:
            outcome.outside += 1
        elif relative not in held:
            outcome.missing.append(relative)
        elif size is not None and held[relative] != size:
            outcome.wrong_size.append(relative)
        else:
            outcome.found += 1
    outcome.seconds = time.monotonic() - started
    return outcome

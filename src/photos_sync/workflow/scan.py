"""Scanning a library into the tracker: the work behind ``reclassify`` (and later, ``sync``).

The cheap catalog says what changed since the last scan; only those assets are read in full
(osxphotos) and compared with the tracker; unless it is a dry run, what was read is saved.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from photos_sync.bulk import bulk_work
from photos_sync.errors import LibraryChangedError
from photos_sync.plan.scan import AssetChange, awaiting_files, compare_scan, plan_scan
from photos_sync.source.catalog import CatalogEntry
from photos_sync.source.library import PhotosLibrary
from photos_sync.track.assets import (
    Scan,
    ScanStates,
    record_digests,
    recorded_digests,
    save_scanned,
    scan_states,
    tracked_assets,
    unarchive_assets,
)
from photos_sync.track.binding import (
    LibraryBinding,
    read_library_binding,
    record_library_binding,
)

Progress = Callable[[int, int], None]  # (done, total)


@dataclass(frozen=True)
class ScanResult:
    in_library: int
    read: int
    unchanged: int
    changes: list[AssetChange]
    gone: list[str]
    saved: int
    scanned: list[Scan]  # what was read, with Photos' modification time
    back_in_library: list[str] = field(default_factory=list)  # archived, now in Photos again

    @property
    def new(self) -> int:
        return sum(1 for change in self.changes if change.new)

    @property
    def changed(self) -> int:
        return sum(1 for change in self.changes if not change.new)

    def counts(self) -> dict[str, int]:
        """What the run's record keeps: a first read has a change per asset, 100k of them."""
        return {
            "in_library": self.in_library,
            "read": self.read,
            "unchanged": self.unchanged,
            "new": self.new,
            "changed": self.changed,
            "saved": self.saved,
        }

    def to_json(self) -> dict[str, object]:
        return {
            **self.counts(),
            "gone_from_library": self.gone,
            "changes": [change.to_json() for change in self.changes],
        }


def _files_back(
    library: PhotosLibrary, entries: list[CatalogEntry], tracked: ScanStates
) -> frozenset[str]:
    """Missing originals that are on disk again (a copy that finished, a disk back): one stat
    each, so only those are read again."""
    waiting = awaiting_files(tracked.others)
    if not waiting:
        return frozenset()
    return frozenset(
        entry.uuid
        for entry in entries
        if entry.uuid in waiting
        and entry.original_file
        and (library.path / entry.original_file).is_file()
    )


def _back_in_library(entries: list[CatalogEntry], tracked: ScanStates) -> list[str]:
    """Archived assets (deleted from Photos) that Photos has again, out of its trash."""
    archived = {uuid for uuid, state in tracked.others.items() if state.archived}
    if not archived:
        return []
    return [entry.uuid for entry in entries if entry.uuid in archived and not entry.in_trash]


@bulk_work()
def bind_library(
    library: PhotosLibrary,
    connection: sqlite3.Connection,
    *,
    rebind: bool = False,
    dry_run: bool = False,
) -> None:
    """The tracker's rows are one library's assets. Read against another library, all of
    them would look deleted from Photos (and, with --deletions, follow into Immich's trash):
    refused, naming both. The same library moved or copied again keeps its store's UUID
    and is the same; ``rebind`` (a library Photos rebuilt) takes this one as the tracker's.
    A tracker that knows no library yet takes this one."""
    current = LibraryBinding(library.catalog.store_uuid, str(library.path))
    recorded = read_library_binding(connection)
    if recorded is not None and not rebind and recorded.store_uuid != current.store_uuid:
        raise LibraryChangedError(
            f"This data folder's tracker belongs to another Photos library: it was filled "
            f"from {recorded.path}, this is {current.path}",
            "Point --library at that library, or give this one a data folder of its own "
            "(--data-dir); if Photos rebuilt the same library, run `photos-sync sync --rebind`",
        )
    if recorded != current and not dry_run:
        record_library_binding(connection, current)


# A night checks the digests of a seventh of the library (by the assets' keys): all of it
# would cost about a second of a night that otherwise takes one and a half. A change that
# moves no date is seen within a week; one that moves it, the next night.
DIGEST_SLICES = 7


def _content_moved(digests: dict[str, str], recorded: dict[str, str | None]) -> frozenset[str]:
    """Assets whose digest differs from the one kept: Photos changed what it shows of them
    (a keyword, a title, a place) without moving their modification date."""
    return frozenset(
        uuid
        for uuid, digest in digests.items()
        if (kept := recorded.get(uuid)) is not None and kept != digest
    )


def _digests_to_keep(
    digests: dict[str, str], recorded: dict[str, str | None], read: set[str]
) -> dict[str, str]:
    """The digests to write: those of the assets read now, and those the tracker has none
    of yet (a tracker from before digests: what it holds is taken as current)."""
    return {
        uuid: digest
        for uuid, digest in digests.items()
        if uuid in read or (uuid in recorded and recorded[uuid] is None)
    }


def scan_library(
    library: PhotosLibrary,
    connection: sqlite3.Connection,
    *,
    full: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    rebind: bool = False,
) -> ScanResult:
    """Bring the tracker's picture of the library up to date; report what differed."""
    bind_library(library, connection, rebind=rebind, dry_run=dry_run)
    entries = library.entries()
    tracked = scan_states(connection)  # the whole records only of what is read again
    part = None if full else (DIGEST_SLICES, int(time.time() // 86400) % DIGEST_SLICES)
    digests = library.catalog.digests(part)
    recorded = recorded_digests(connection, digests)  # those checked tonight alone
    recheck = _files_back(library, entries, tracked) | _content_moved(digests, recorded)
    plan = plan_scan(entries, tracked, full=full, recheck=recheck)
    modified = {entry.uuid: entry.modified for entry in plan.to_read}
    scanned: list[Scan] = []
    for done, asset in enumerate(library.read(plan.to_read) if plan.to_read else (), start=1):
        scanned.append((asset, modified[asset.uuid]))
        if progress is not None:
            progress(done, len(plan.to_read))
    before = tracked_assets(connection, [asset.uuid for asset, _ in scanned]) if scanned else {}
    changes = compare_scan((asset for asset, _ in scanned), before)
    saved = 0 if dry_run else save_scanned(connection, scanned)
    if not dry_run:
        read = {asset.uuid for asset, _ in scanned}
        unchecked = read - digests.keys()  # read for their date: their digest is kept too
        if unchecked:
            digests.update(library.catalog.digests(uuids=unchecked))
        record_digests(connection, _digests_to_keep(digests, recorded, read))
    back = _back_in_library(entries, tracked)
    if back and not dry_run:
        unarchive_assets(connection, back)
    return ScanResult(
        in_library=len(entries),
        read=len(scanned),
        unchanged=plan.unchanged,
        changes=changes,
        gone=plan.gone,
        saved=saved,
        scanned=scanned,
        back_in_library=back,
    )

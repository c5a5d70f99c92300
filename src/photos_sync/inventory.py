"""Scanning a library into the tracker: the work behind ``reclassify`` (and later, ``sync``).

The cheap catalog says what changed since the last scan; only those assets are read in full
(osxphotos) and compared with the tracker; unless it is a dry run, what was read is saved.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from photos_sync.plan.scan import AssetChange, compare_scan, plan_scan
from photos_sync.source.library import PhotosLibrary
from photos_sync.source.records import LibraryAsset
from photos_sync.track.assets import save_scanned, tracked_assets

Progress = Callable[[int, int], None]  # (done, total)


@dataclass(frozen=True)
class ScanResult:
    in_library: int
    read: int
    unchanged: int
    changes: list[AssetChange]
    gone: list[str]
    saved: int
    scanned: list[tuple[LibraryAsset, str | None]]  # what was read, with Photos' mod. time

    @property
    def new(self) -> int:
        return sum(1 for change in self.changes if change.new)

    @property
    def changed(self) -> int:
        return sum(1 for change in self.changes if not change.new)

    def to_json(self) -> dict[str, object]:
        return {
            "in_library": self.in_library,
            "read": self.read,
            "unchanged": self.unchanged,
            "new": self.new,
            "changed": self.changed,
            "gone_from_library": self.gone,
            "saved": self.saved,
            "changes": [change.to_json() for change in self.changes],
        }


def scan_library(
    library: PhotosLibrary,
    connection: sqlite3.Connection,
    *,
    full: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ScanResult:
    """Bring the tracker's picture of the library up to date; report what differed."""
    entries = library.entries()
    tracked = tracked_assets(connection)
    plan = plan_scan(entries, tracked, full=full)
    modified_at = {entry.uuid: entry.modified_at for entry in plan.to_read}
    scanned: list[tuple[LibraryAsset, str | None]] = []
    for done, asset in enumerate(library.read(plan.to_read) if plan.to_read else (), start=1):
        scanned.append((asset, modified_at[asset.uuid]))
        if progress is not None:
            progress(done, len(plan.to_read))
    changes = compare_scan((asset for asset, _ in scanned), tracked)
    saved = 0 if dry_run else save_scanned(connection, scanned)
    return ScanResult(
        in_library=len(entries),
        read=len(scanned),
        unchanged=plan.unchanged,
        changes=changes,
        gone=plan.gone,
        saved=saved,
        scanned=scanned,
    )

"""The numbers ``photos-sync status`` shows, computed from the catalog and the tracker.

Pure: it takes what was read and returns a report; the CLI renders it as tables or JSON.
Nothing here loads osxphotos, so status stays fast on a large library.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from operator import attrgetter
from typing import Any

from photos_sync.bulk import bulk_work
from photos_sync.plan.choices import Choices
from photos_sync.plan.problems import is_problem
from photos_sync.plan.scan import plan_scan
from photos_sync.plan.selection import Selection
from photos_sync.source.catalog import CatalogEntry, in_library
from photos_sync.source.library import PhotosLibrary
from photos_sync.source.records import SUBTYPE_LABELS, Availability, MediaType, kind_name
from photos_sync.track.assets import (
    IGNORED_BY_YOU,
    AssetStatus,
    ScanStates,
    TrackedAsset,
    tracked_assets,
)
from photos_sync.track.backups import BackupSummary, backup_summaries
from photos_sync.track.choices import stored_choices
from photos_sync.track.database import reading
from photos_sync.track.metadata import faces_on_missing_edits
from photos_sync.track.runs import RunRecord, last_run
from photos_sync.workflow.metadata import plan_metadata
from photos_sync.workflow.workspace import Workspace


@dataclass(frozen=True)
class StatusReport:
    library_path: str
    photos_version: str
    library: dict[str, int]
    not_scanned: int
    subtypes: dict[str, int]  # by tracker column (is_live_photo): stable JSON keys
    tracker: dict[str, int]
    to_import: dict[str, int]
    gone_from_library: int
    problems: list[tuple[str, int]]
    last_run: RunRecord | None
    backups: list[BackupSummary] = field(default_factory=list)
    metadata_pending: dict[str, int] = field(default_factory=dict)
    originals_lost: bool = False  # the library has no originals folder at all
    selection: str = "the whole library"  # what the user chose to import, in words
    left_out: int = 0  # not imported, and outside that selection: not tried, not failed
    ignored: int = 0  # `photos-sync ignore`
    recently_deleted: int = 0  # imported, now in Photos' Recently Deleted
    deletions: str = "keep"  # what a deletion in Photos does in Immich (--deletions)
    # imported edited photos with named faces, whose edited copy is not in Immich: Photos
    # shows their faces on the edit, so they are placed only once it is uploaded
    faces_need_edits: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "library": {
                "path": self.library_path,
                "photos_version": self.photos_version,
                **self.library,
                "not_scanned": self.not_scanned,
                "originals_lost": self.originals_lost,
            },
            "subtypes": self.subtypes,
            "tracker": self.tracker,
            "to_import": self.to_import,
            "selection": self.selection,
            "left_out_by_selection": self.left_out,
            "ignored": self.ignored,
            "recently_deleted_in_photos": self.recently_deleted,
            "deletions": self.deletions,
            "gone_from_library": self.gone_from_library,
            "problems": [{"reason": reason, "count": count} for reason, count in self.problems],
            "last_run": self.last_run.to_json() if self.last_run else None,
            "backup": [backup.__dict__ for backup in self.backups],
            "metadata_pending": self.metadata_pending,
            "faces_need_edits": self.faces_need_edits,
        }


def _library_counts(entries: Sequence[CatalogEntry]) -> dict[str, int]:
    live = in_library(entries)
    return {
        "assets": len(live),
        "photos": sum(1 for e in live if e.media_type is MediaType.PHOTO),
        "videos": sum(1 for e in live if e.media_type is MediaType.VIDEO),
        "hidden": sum(1 for e in live if e.hidden),
        "in_trash": len(entries) - len(live),
    }


def _to_import(live: Sequence[CatalogEntry], tracked: Mapping[str, TrackedAsset]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for entry in live:
        asset = tracked.get(entry.uuid)
        status = asset.status if asset else AssetStatus.PENDING
        if status is AssetStatus.IMPORTED:
            continue
        counts["assets"] += 1
        counts[status.value] += 1
        if asset and asset.original_availability == Availability.CLOUD:
            counts["icloud_only"] += 1
        if asset and asset.original_availability == Availability.MISSING:
            counts["missing"] += 1
    keys = ("assets", "pending", "failed", "skipped", "icloud_only", "missing")
    return {key: counts[key] for key in keys}


def _tracker_state(asset: TrackedAsset) -> str:
    if asset.archived:
        return "archived"
    if asset.in_trash and asset.status is not AssetStatus.IMPORTED:
        return "deleted_before_import"
    return asset.status.value


def build_status(
    library_path: str,
    photos_version: str,
    entries: Sequence[CatalogEntry],
    tracked: Mapping[str, TrackedAsset],
    last_run: RunRecord | None,
    backups: list[BackupSummary] | None = None,
    originals_lost: bool = False,
) -> StatusReport:
    live = in_library(entries)
    plan = plan_scan(entries, ScanStates({}, tracked))
    scanned = [tracked[e.uuid] for e in live if e.uuid in tracked]
    flags = [asset.subtypes for asset in scanned]
    subtypes = {  # one C-level pass per kind: this was most of status on 100k assets
        name: sum(map(bool, map(attrgetter(name), flags))) for name in SUBTYPE_LABELS
    }
    statuses = Counter(_tracker_state(asset) for asset in tracked.values())
    tracker = {status.value: statuses[status.value] for status in AssetStatus}
    tracker["archived"] = statuses["archived"]
    # never imported and now in Photos' Recently Deleted: not waiting for an import
    tracker["deleted_before_import"] = statuses["deleted_before_import"]
    problems = Counter(
        f"{asset.status.value}: {asset.error_reason or 'no reason recorded'}"
        for asset in tracked.values()
        if is_problem(asset)
    )
    return StatusReport(
        library_path=library_path,
        photos_version=photos_version,
        library=_library_counts(entries),
        # of the assets counted as the library's (not those in Photos' trash)
        not_scanned=sum(1 for entry in plan.to_read if not entry.in_trash),
        subtypes=subtypes,
        tracker=tracker,
        to_import=_to_import(live, tracked),
        gone_from_library=len(plan.gone),
        problems=problems.most_common(),
        last_run=last_run,
        backups=backups or [],
        originals_lost=originals_lost,
    )


@bulk_work()
def library_status(
    work: Workspace,
    library: PhotosLibrary | None = None,
    *,
    with_metadata: bool = True,
    tracked: dict[str, TrackedAsset] | None = None,
) -> StatusReport:
    """``status``: the library, the tracker (read-only: it may run beside an import), the
    metadata not yet sent (the costliest part: planned as a sync would; ``with_metadata``
    off leaves it out), the last run and the backups."""
    library = library or work.open_library()
    entries: list[CatalogEntry] = library.entries()
    found = {} if tracked is None else tracked
    run: RunRecord | None = None
    backups: list[BackupSummary] = []
    pending: dict[str, int] = {}
    need_edits: list[str] = []
    choices = Choices()
    selection = Selection()
    with reading(work.settings.tracker_path) as connection:
        if connection is not None:
            if tracked is None:  # the caller may have read it already
                found = tracked_assets(connection)
            run = last_run(connection)
            backups = backup_summaries(connection)
            if with_metadata:
                plan = plan_metadata(library, connection)
                pending = {k: n for k, n in plan.counts().items() if n}
            choices = Choices.from_stored(stored_choices(connection))
            selection = choices.selection()
            need_edits = faces_on_missing_edits(connection) if choices.people else []
    report = build_status(
        str(library.path),
        library.catalog.photos_version,
        entries,
        found,
        run,
        backups,
        originals_lost=library.originals_lost(),
    )
    report.metadata_pending.update(pending)
    return replace(
        report,
        selection=selection.describe(),
        left_out=_left_out(selection, found, library),
        ignored=sum(1 for a in found.values() if a.error_reason == IGNORED_BY_YOU),
        deletions=choices.deletions,
        faces_need_edits=need_edits,
        recently_deleted=sum(
            1
            for e in entries
            if e.in_trash and (t := found.get(e.uuid)) and t.status is AssetStatus.IMPORTED
        ),
    )


def _left_out(
    selection: Selection, tracked: dict[str, TrackedAsset], library: PhotosLibrary
) -> int:
    """Assets not imported that the selection leaves out (counted apart from the rest)."""
    if selection.everything:
        return 0
    titles = library.album_titles() if selection.albums else {}
    return sum(
        1
        for asset in tracked.values()
        if asset.status is not AssetStatus.IMPORTED
        and not asset.archived
        and not asset.in_trash
        and not selection.admits(
            created_at=asset.asset_created_at or "",
            video=asset.media_type == MediaType.VIDEO.value,
            favorite=asset.subtypes.is_favorite,
            kinds={kind_name(c) for c in asset.subtypes.set_names()},
            album_titles=titles.get(asset.uuid, ()),
        )
    )

"""``reclassify``: read the library's special kinds into the tracker (only what Photos
changed, unless full), and optionally link imported Live Photos to their motion videos."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from photos_sync.track.runs import recorded_run
from photos_sync.workflow.scan import ScanResult, scan_library
from photos_sync.workflow.workspace import Workspace

if TYPE_CHECKING:
    from photos_sync.upload.repair import RepairSummary


def reclassify_library(
    work: Workspace,
    *,
    full: bool,
    dry_run: bool,
    repair: bool = False,
    repair_limit: int = 0,
    include_cloud: bool = False,
) -> tuple[ScanResult, RepairSummary | None]:
    library = work.open_library()
    with (
        work.tracker("reclassify") as connection,
        recorded_run(connection, "reclassify", enabled=not dry_run) as run,
    ):
        with work.feedback.meter("Reading assets", 0) as progress:

            def advance(done: int, total: int) -> None:
                progress.update(done, total)

            result = scan_library(library, connection, full=full, dry_run=dry_run, progress=advance)
        repairs = None
        if repair and not dry_run:
            repairs = _repair_unlinked(work, connection, repair_limit, include_cloud)
        run.finish("ok", result.counts())
    return result, repairs


def _repair_unlinked(
    work: Workspace, connection: sqlite3.Connection, limit: int, include_cloud: bool
) -> RepairSummary:
    # Here, not with the module: a reclassify without --repair talks to no Immich, and the
    # HTTP client is a tenth of a second of its start.
    from photos_sync.immich import permissions
    from photos_sync.upload.repair import RepairSummary, paired_video_tasks, repair_paired_videos
    from photos_sync.workflow.connect import connect

    if include_cloud:
        work.feedback.warn(
            "--include-cloud needs macOS Photos to download motion videos; only those on "
            "disk are repaired."
        )
    summary = RepairSummary()
    tasks = paired_video_tasks(connection, only_unlinked=True, limit=limit)
    if tasks:
        with work.immich_client() as client:
            connect(client, work.feedback, permissions.REPAIR)
            repair_paired_videos(client, connection, tasks, summary)
    return summary

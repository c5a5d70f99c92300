"""``cleanup``: account for assets deleted from Photos (archived in the tracker, never
deleted in Immich), refusing when most of the library seems gone."""

from __future__ import annotations

import logging
import sqlite3

from photos_sync.errors import PhotosSyncError
from photos_sync.plan.cleanup import CleanupPlan, plan_cleanup
from photos_sync.source.library import PhotosLibrary
from photos_sync.track.assets import archive_assets, forget_assets, tracked_assets
from photos_sync.track.runs import recorded_run
from photos_sync.workflow.workspace import Workspace

log = logging.getLogger(__name__)


def cleanup_library(
    library: PhotosLibrary, connection: sqlite3.Connection, *, dry_run: bool, force: bool
) -> CleanupPlan:
    """Mark gone-and-imported assets archived, forget gone-and-never-imported ones."""
    plan = plan_cleanup(library.entries(), tracked_assets(connection))
    if plan.suspicious and not force:
        gone = len(plan.archive) + len(plan.forget)
        raise PhotosSyncError(
            f"Refusing to clean up: {gone:,} of {plan.tracked:,} tracked assets are not in "
            f"{library.path}",
            "Check that this is the right, fully copied library; --force if it really is",
        )
    if not dry_run:
        archive_assets(connection, [a.uuid for a in plan.archive])
        forget_assets(connection, [a.uuid for a in plan.forget])
        for asset in plan.archive:
            log.info(
                "archived %s (%s): deleted from Photos, kept in Immich", asset.uuid, asset.filename
            )
    return plan


def cleanup(work: Workspace, *, dry_run: bool, force: bool) -> CleanupPlan:
    """The ``cleanup`` command's work, recorded as a run (not a dry run)."""
    library = work.open_library()
    with (
        work.tracker("cleanup") as connection,
        recorded_run(connection, "cleanup", enabled=not dry_run) as run,
    ):
        plan = cleanup_library(library, connection, dry_run=dry_run, force=force)
        run.finish("ok", {"archived": len(plan.archive), "forgotten": len(plan.forget)})
    return plan

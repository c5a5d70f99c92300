"""``photos-sync cleanup``: account for assets deleted from Photos."""

from __future__ import annotations

import sqlite3

import typer
from rich.console import Console

from photos_sync.cli import options as opt
from photos_sync.cli.state import AppState, state_of
from photos_sync.errors import PhotosSyncError
from photos_sync.plan.cleanup import CleanupPlan, plan_cleanup
from photos_sync.source.library import PhotosLibrary
from photos_sync.track.assets import archive_assets, forget_assets, tracked_assets
from photos_sync.track.runs import recorded_run

MAX_LISTED = 40


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
    return plan


def render(plan: CleanupPlan, console: Console, dry_run: bool) -> None:
    verb = "Would mark" if dry_run else "Marked"
    console.print(
        f"{verb} {len(plan.archive):,} assets archived (deleted from Photos, kept in Immich)."
    )
    for asset in plan.archive[:MAX_LISTED]:
        console.print(f"  {asset.filename} ({asset.uuid}), taken {asset.asset_created_at}")
    if len(plan.archive) > MAX_LISTED:
        console.print(f"  … and {len(plan.archive) - MAX_LISTED:,} more (--json lists all)")
    if plan.forget:
        verb = "Would forget" if dry_run else "Forgot"
        console.print(f"{verb} {len(plan.forget):,} deleted assets that were never imported.")
    if dry_run:
        console.print("Dry run: nothing was changed.")


def cleanup(
    ctx: typer.Context,
    dry_run: opt.DryRun = False,
    force: bool = typer.Option(
        False, "--force", help="Clean up even when most tracked assets seem to be gone."
    ),
    json_output: opt.Json = False,
) -> None:
    """Mark assets deleted from Photos as archived in the tracker.

    Nothing is deleted in Immich: what you removed from Photos stays on the server, and the
    tracker remembers it as archived so it is never uploaded or reported again.
    """
    state = state_of(ctx)
    library = state.open_library()
    with (
        state.tracker("cleanup") as connection,
        recorded_run(connection, "cleanup", enabled=not dry_run) as run,
    ):
        plan = cleanup_library(library, connection, dry_run=dry_run, force=force)
        run.finish("ok", {"archived": len(plan.archive), "forgotten": len(plan.forget)})
    report(state, plan, dry_run, json_output)


def report(state: AppState, plan: CleanupPlan, dry_run: bool, json_output: bool) -> None:
    if json_output:
        state.print_json({"dry_run": dry_run, **plan.to_json()})
    else:
        render(plan, state.out, dry_run)


def register(app: typer.Typer) -> None:
    app.command("cleanup")(cleanup)

"""``photos-sync review``: the assets that failed or were skipped, and what to do with them."""

from __future__ import annotations

import json
from contextlib import closing
from pathlib import Path

import typer
from rich.console import Console

from photos_sync.cli import options as opt
from photos_sync.cli.importing import run_import_command
from photos_sync.cli.state import AppState, state_of
from photos_sync.errors import PhotosSyncError
from photos_sync.review import Group, export_document, group, problems
from photos_sync.source import bridge as bridges
from photos_sync.source.bridge import NEEDS_MACOS
from photos_sync.track.assets import AssetStatus, TrackedAsset, tracked_assets
from photos_sync.track.database import open_tracker_read_only
from photos_sync.workflow import ImportOptions

EXAMPLES = 3


def render(groups: list[Group], console: Console) -> None:
    if not groups:
        console.print("No problem assets: nothing failed, nothing was skipped.")
        return
    total = sum(len(g.assets) for g in groups)
    console.print(f"{total:,} problem assets, by reason:")
    for entry in groups:
        console.print(f"\n[bold]{len(entry.assets):,} {entry.status.value}[/]: {entry.reason}")
        for asset in entry.assets[:EXAMPLES]:
            console.print(f"    {asset.filename}, taken {asset.asset_created_at} ({asset.uuid})")
        if len(entry.assets) > EXAMPLES:
            console.print(f"    … and {len(entry.assets) - EXAMPLES:,} more")


def _tracked(state: AppState) -> list[TrackedAsset]:
    connection = open_tracker_read_only(state.settings.tracker_path)
    if connection is None:
        return []
    with closing(connection):
        return list(tracked_assets(connection).values())


def _delete(state: AppState, chosen: list[TrackedAsset], *, dry_run: bool, yes: bool) -> None:
    """Move the problem assets to Photos' Recently Deleted (Photos asks the user too)."""
    bridge = bridges.photos_bridge()
    if bridge is None:
        raise PhotosSyncError(f"review --delete {NEEDS_MACOS[0]}", NEEDS_MACOS[1])
    for asset in chosen:
        state.out.print(f"  {asset.filename}, taken {asset.asset_created_at} ({asset.uuid})")
    if dry_run or not chosen:
        state.out.print(
            f"Dry run: would move {len(chosen):,} assets to Recently Deleted."
            if dry_run
            else "Nothing to delete."
        )
        return
    if not yes and not typer.confirm(
        f"Move these {len(chosen):,} assets to Recently Deleted in Photos?"
    ):
        raise typer.Exit(1)
    deleted = bridge.delete([asset.uuid for asset in chosen])
    state.out.print(f"Moved {deleted:,} assets to Recently Deleted in Photos.")


def review(
    ctx: typer.Context,
    failed_only: bool = typer.Option(False, "--failed-only", help="Only failed assets."),
    skipped_only: bool = typer.Option(False, "--skipped-only", help="Only skipped assets."),
    export: Path | None = typer.Option(
        None,
        "--export",
        help="Write the problem list to FILE as JSON: {version, generated_at, library, "
        "problems: [{uuid, filename, status, reason, media_type, created_at}]}.",
        metavar="FILE",
    ),
    retry: bool = typer.Option(
        False,
        "--retry",
        help="Import the failed assets again (the skipped ones with --skipped-only).",
    ),
    delete: bool = typer.Option(
        False,
        "--delete",
        help="Move the problem assets to Photos' Recently Deleted (macOS Photos only; asks "
        "first unless --yes).",
    ),
    yes: bool = typer.Option(False, "--yes", help="Do not ask before --delete."),
    dry_run: opt.DryRun = False,
    include_cloud: opt.IncludeCloud = False,
    limit: opt.Limit = 0,
    json_output: opt.Json = False,
) -> None:
    """Show the assets that failed or were skipped, grouped by reason, with examples
    (file name and date, to find them in Photos); export, retry or delete them."""
    state = state_of(ctx)
    chosen = problems(_tracked(state), failed_only=failed_only, skipped_only=skipped_only)
    if delete:
        _delete(state, chosen, dry_run=dry_run, yes=yes)
        return
    if retry:
        status = AssetStatus.SKIPPED if skipped_only else AssetStatus.FAILED
        uuids = frozenset(a.uuid for a in chosen if a.status is status)
        options = ImportOptions(
            include_cloud=include_cloud, limit=limit, dry_run=dry_run, only=uuids
        )
        run_import_command(state, "review --retry", options, json_output, {}, send_metadata=False)
        return
    library = str(state.settings.photos_library or "")
    if export is not None:
        document = export_document(chosen, library)
        export.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        state.err.print(f"Wrote {len(chosen):,} problem assets to {export}")
    if json_output:
        state.print_json(export_document(chosen, library))
    else:
        render(group(chosen), state.out)


def register(app: typer.Typer) -> None:
    app.command("review")(review)

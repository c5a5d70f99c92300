"""``photos-sync reclassify``: scan the library's special kinds into the tracker."""

from __future__ import annotations

import sqlite3
from collections import Counter

import typer
from rich.console import Console

from photos_sync.cli import options as opt
from photos_sync.cli.importing import connect, render_repairs
from photos_sync.cli.progress import meter
from photos_sync.cli.state import AppState, state_of
from photos_sync.immich import permissions
from photos_sync.inventory import ScanResult, scan_library
from photos_sync.track.runs import recorded_run
from photos_sync.upload.repair import RepairSummary, paired_video_tasks, repair_paired_videos

UNSUMMARISED = ("changes", "gone_from_library")  # long lists: the run's row keeps counts

MAX_LISTED = 40


def render(result: ScanResult, console: Console, dry_run: bool) -> None:
    verb = "Would record" if dry_run else "Recorded"
    console.print(
        f"Scanned {result.in_library:,} assets: read {result.read:,},"
        f" {result.unchanged:,} unchanged since the last scan."
    )
    if result.new:
        kinds = Counter(kind for c in result.changes if c.new for kind in c.differences)
        summary = ", ".join(f"{n:,} {kind}" for kind, n in kinds.most_common())
        console.print(
            f"{verb} {result.new:,} new assets as pending" + (f" ({summary})." if summary else ".")
        )
    changed = [c for c in result.changes if not c.new]
    if changed:
        console.print(f"{verb} changes to {len(changed):,} assets:")
        for change in changed[:MAX_LISTED]:
            console.print(f"  {change.filename} ({change.uuid}): {', '.join(change.differences)}")
        if len(changed) > MAX_LISTED:
            console.print(f"  … and {len(changed) - MAX_LISTED:,} more (--json lists all)")
    if not result.changes:
        console.print("No subtype changes.")
    if result.gone:
        console.print(
            f"{len(result.gone):,} tracked assets are no longer in the library;"
            " `photos-sync cleanup` marks them archived."
        )
    if dry_run:
        console.print("Dry run: nothing was written.")


def reclassify(
    ctx: typer.Context,
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Show what would change in the tracker without writing it."
    ),
    full: bool = typer.Option(
        False,
        "--full",
        help="Re-read every asset, not only those Photos changed since the last scan.",
    ),
    repair: bool = typer.Option(
        False,
        "--repair",
        help="Also repair imported Live Photos whose motion video is not linked in Immich "
        "(linked if Immich has it, else uploaded and linked).",
    ),
    repair_limit: int = typer.Option(
        0, "--repair-limit", min=0, help="Repair at most N assets (0 = no limit)."
    ),
    include_cloud: opt.IncludeCloud = False,
    json_output: opt.Json = False,
) -> None:
    """Scan the library and record each asset's special kinds in the tracker.

    Live Photo, Portrait, HDR, Panorama, Screenshot, Cinematic, Slo-mo, Timelapse, Spatial,
    ProRAW, bursts, edits, RAW+JPEG pairs, and which parts (paired video, RAW, AAE, edit) are
    on disk or only in iCloud. Assets the tracker does not know yet are recorded as pending.
    Only assets Photos changed since the last scan are read, unless --full.
    """
    state = state_of(ctx)
    library = state.open_library()
    with (
        state.tracker("reclassify") as connection,
        recorded_run(connection, "reclassify", enabled=not dry_run) as run,
    ):
        with meter(state.err, "Reading assets", 0, enabled=not json_output) as progress:

            def advance(done: int, total: int) -> None:
                progress.set_total(total)
                progress.advance()

            result = scan_library(library, connection, full=full, dry_run=dry_run, progress=advance)
        repairs = None
        if repair and not dry_run:
            repairs = _repair_unlinked(state, connection, repair_limit, include_cloud, json_output)
        brief = result.to_json()
        run.finish("ok", {k: v for k, v in brief.items() if k not in UNSUMMARISED})
    if json_output:
        extra = {"repairs": repairs.to_json()} if repairs is not None else {}
        state.print_json({"dry_run": dry_run, **result.to_json(), **extra})
    else:
        render(result, state.out, dry_run)
        if repairs is not None:
            render_repairs(repairs, state.out, state, json_output=False)
    if repairs is not None and repairs.problems:
        raise typer.Exit(1)


def _repair_unlinked(
    state: AppState,
    connection: sqlite3.Connection,
    limit: int,
    include_cloud: bool,
    json_output: bool,
) -> RepairSummary:
    if include_cloud:
        state.err.print(
            "--include-cloud needs macOS Photos to download motion videos; only those on "
            "disk are repaired."
        )
    summary = RepairSummary()
    tasks = paired_video_tasks(connection, only_unlinked=True, limit=limit)
    if tasks:
        with state.immich_client() as client:
            connect(client, state.err if json_output else state.out, permissions.REPAIR)
            repair_paired_videos(client, connection, tasks, summary)
    return summary


def register(app: typer.Typer) -> None:
    app.command("reclassify")(reclassify)

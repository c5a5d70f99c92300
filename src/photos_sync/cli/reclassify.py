"""``photos-sync reclassify``: scan the library's special kinds into the tracker."""

from __future__ import annotations

import sys
from collections import Counter

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from photos_sync.cli.state import state_of
from photos_sync.inventory import ScanResult, scan_library
from photos_sync.track.runs import finish_run, start_run

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
    json_output: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Scan the library and record each asset's special kinds in the tracker.

    Live Photo, Portrait, HDR, Panorama, Screenshot, Cinematic, Slo-mo, Timelapse, Spatial,
    ProRAW, bursts, edits, RAW+JPEG pairs, and which parts (paired video, RAW, AAE, edit) are
    on disk or only in iCloud. Assets the tracker does not know yet are recorded as pending.
    Only assets Photos changed since the last scan are read, unless --full.
    """
    state = state_of(ctx)
    library = state.open_library()
    with state.tracker("reclassify") as connection:
        run_id = None if dry_run else start_run(connection, "reclassify")
        show_bar = sys.stderr.isatty() and not json_output
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=state.err,
            transient=True,
            disable=not show_bar,
        ) as bar:
            task = bar.add_task("Reading assets", total=None)
            result = scan_library(
                library,
                connection,
                full=full,
                dry_run=dry_run,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
        if run_id is not None:
            finish_run(
                connection,
                run_id,
                "ok",
                {
                    k: v
                    for k, v in result.to_json().items()
                    if k != "changes" and k != "gone_from_library"
                },
            )
    if json_output:
        state.print_json({"dry_run": dry_run, **result.to_json()})
    else:
        render(result, state.out, dry_run)


def register(app: typer.Typer) -> None:
    app.command("reclassify")(reclassify)

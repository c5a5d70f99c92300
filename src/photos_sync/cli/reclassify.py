"""``photos-sync reclassify``: scan the library's special kinds into the tracker."""

from __future__ import annotations

import typer

from photos_sync.cli import options as opt
from photos_sync.cli.display import library as display
from photos_sync.cli.state import state_of
from photos_sync.workflow.reclassify import reclassify_library


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
    result, repairs = reclassify_library(
        state.workspace(json_output),
        full=full,
        dry_run=dry_run,
        repair=repair,
        repair_limit=repair_limit,
        include_cloud=include_cloud,
    )
    if json_output:
        extra = {"repairs": repairs.to_json()} if repairs is not None else {}
        state.print_json({"dry_run": dry_run, **result.to_json(), **extra})
    else:
        display.scan(result, state.out, dry_run)
        if repairs is not None:
            # Only with --repair: the module imports the HTTP client (see the workflow).
            from photos_sync.cli.display import imports as imports_display

            imports_display.repairs(repairs, state.out)
    if repairs is not None and repairs.problems:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("reclassify")(reclassify)

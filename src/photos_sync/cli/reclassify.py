"""``photos-sync reclassify``: scan the library's special kinds into the tracker."""

from __future__ import annotations

import click

from photos_sync.cli import options as opt
from photos_sync.cli.commands import CONTEXT_SETTINGS
from photos_sync.cli.display import library as display
from photos_sync.cli.state import current_state
from photos_sync.workflow.reclassify import reclassify_library


@click.command("reclassify", context_settings=CONTEXT_SETTINGS)
@opt.flag("--dry-run", "Show what would change in the tracker without writing it.")
@opt.flag("--full", "Re-read every asset, not only those Photos changed since the last scan.")
@opt.flag(
    "--repair",
    "Also repair imported Live Photos whose motion video is not linked in Immich (linked if "
    "Immich has it, else uploaded and linked).",
)
@click.option(
    "--repair-limit",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Repair at most N assets (0 = no limit).",
)
@opt.include_cloud
@opt.json_output
def reclassify(
    dry_run: bool,
    full: bool,
    repair: bool,
    repair_limit: int,
    include_cloud: bool,
    json_output: bool,
) -> None:
    """Scan the library and record each asset's special kinds in the tracker.

    Live Photo, Portrait, HDR, Panorama, Screenshot, Cinematic, Slo-mo, Timelapse, Spatial,
    ProRAW, bursts, edits, RAW+JPEG pairs, and which parts (paired video, RAW, AAE, edit) are
    on disk or only in iCloud. Assets the tracker does not know yet are recorded as pending.
    Only assets Photos changed since the last scan are read, unless --full.
    """
    state = current_state()
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
        raise click.exceptions.Exit(1)

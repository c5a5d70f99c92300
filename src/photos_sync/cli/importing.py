"""``photos-sync import``: put the library's new assets into Immich (and its repairs)."""

from __future__ import annotations

from functools import partial
from typing import Any

import click

from photos_sync.cli import importing_options as imports
from photos_sync.cli import options as opt
from photos_sync.cli.commands import CONTEXT_SETTINGS
from photos_sync.cli.display import imports as display
from photos_sync.cli.state import AppState, current_state
from photos_sync.workflow.importing import ImportOptions, import_library
from photos_sync.workflow.repair import repair_imports


def _repair(state: AppState, paired: bool, cinematic: bool, limit: int, json_output: bool) -> None:
    work = state.workspace(json_output)
    summary = repair_imports(work, paired=paired, cinematic=cinematic, limit=limit)
    state.show(json_output, summary.to_json, partial(display.repairs, summary))
    if summary.problems:
        raise click.exceptions.Exit(imports.EXIT_FAILURES)


@click.command("import", context_settings=CONTEXT_SETTINGS)
@imports.import_options
@opt.flag(
    "--repair-paired-videos",
    "Repair instead of importing: link every imported Live Photo to its motion video, "
    "uploading the video only if Immich does not have it already.",
    "repair_paired_videos_flag",
)
@opt.flag(
    "--repair-cinematic",
    "Repair instead of importing: keep the sidecars (AAE, renderings) of imported "
    "Cinematic videos that have none yet.",
    "repair_cinematic_flag",
)
@click.option(
    "--again",
    "again_uuids",
    multiple=True,
    metavar="UUID",
    help="Import this asset again even if recorded (repeat for more): found again by "
    "checksum or uploaded, its metadata sent again.",
)
def import_assets(
    options: ImportOptions,
    given: dict[str, Any],
    json_output: bool,
    repair_paired_videos_flag: bool,
    repair_cinematic_flag: bool,
    again_uuids: tuple[str, ...],
) -> None:
    """Upload the library's new assets to Immich, nothing twice, nothing lost.

    Files already on the server (an earlier run, the Immich phone app) are found by checksum
    and recorded, not sent again. Live Photos arrive linked, Cinematic sidecars are kept in
    the data folder, dates and favorites come from Photos. Safe to interrupt and re-run.
    """
    state = current_state()
    if repair_paired_videos_flag or repair_cinematic_flag:
        paired, cinematic = repair_paired_videos_flag, repair_cinematic_flag
        _repair(state, paired, cinematic, options.limit, json_output)
        return
    again = frozenset(uuid.strip().upper() for uuid in again_uuids)
    work = state.workspace(json_output)
    outcome = import_library(work, "import", options, given, again=again)
    state.show(json_output, outcome.to_json, partial(display.import_outcome, outcome))
    if outcome.summary is not None:
        imports.exit_for(outcome.summary)

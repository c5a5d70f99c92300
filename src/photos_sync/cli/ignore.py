"""``photos-sync ignore``: never upload these assets (or, with --undo, take them back)."""

from __future__ import annotations

import click

from photos_sync.cli import options as opt
from photos_sync.cli.commands import CONTEXT_SETTINGS
from photos_sync.cli.state import current_state
from photos_sync.workflow.ignore import ignore as ignore_assets


@click.command("ignore", context_settings=CONTEXT_SETTINGS)
@click.argument("uuids", nargs=-1, required=True, metavar="UUID...")
@opt.flag("--undo", "Take them off the list: import them.")
@opt.json_output
def ignore(uuids: tuple[str, ...], undo: bool, json_output: bool) -> None:
    """Never upload these assets (recorded as skipped, "ignored by you"); find the UUIDs
    with `review` or `status --json`. Assets already in Immich stay there."""
    state = current_state()
    done, not_done = ignore_assets(state.workspace(json_output), list(uuids), undo=undo)
    if json_output:
        state.print_json({"undo": undo, "done": done, "not_done": not_done})
    else:
        verb = "Taken back (the next import tries them)" if undo else "Ignored from now on"
        state.out.print(f"{verb}: {len(done):,}.")
        if not_done:
            why = "not on the ignore list" if undo else "unknown to the tracker, or imported"
            listed = ", ".join(not_done[:10])
            state.out.print(f"  {len(not_done):,} {why}: {listed}", markup=False)
    if not_done:
        raise click.exceptions.Exit(1)

"""``photos-sync cleanup``: account for assets deleted from Photos."""

from __future__ import annotations

import click

from photos_sync.cli import choice_options as choose
from photos_sync.cli import options as opt
from photos_sync.cli.commands import CONTEXT_SETTINGS
from photos_sync.cli.display import imports as display
from photos_sync.cli.state import current_state
from photos_sync.workflow.cleanup import AT_ONCE
from photos_sync.workflow.cleanup import cleanup as cleanup_library


@click.command("cleanup", context_settings=CONTEXT_SETTINGS)
@opt.dry_run
@opt.flag("--force", "Clean up even when most tracked assets seem to be gone.")
@choose.deletions
@opt.flag("--yes", f"Move more than {AT_ONCE} assets in Immich in one run.")
@opt.json_output
def cleanup(
    dry_run: bool, force: bool, deletions: str | None, yes: bool, json_output: bool
) -> None:
    """Account for assets deleted from Photos: archived in the tracker, never uploaded or
    reported again.

    By default nothing changes in Immich. With --deletions archive or trash (remembered),
    what photos-sync uploaded follows into Immich's archive or trash (restorable there; an
    asset you put in an album of your own is only archived), and comes back when restored
    in Photos.
    """
    state = current_state()
    work = state.workspace(json_output)
    plan = cleanup_library(work, dry_run=dry_run, force=force, deletions=deletions, yes=yes)
    state.show(
        json_output,
        lambda: {"dry_run": dry_run, **plan.to_json()},
        lambda out: display.cleanup(plan, out, dry_run),
    )

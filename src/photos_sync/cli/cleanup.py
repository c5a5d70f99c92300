"""``photos-sync cleanup``: account for assets deleted from Photos."""

from __future__ import annotations

import typer

from photos_sync.cli import options as opt
from photos_sync.cli.choice_options import Deletions
from photos_sync.cli.display import imports as display
from photos_sync.cli.state import state_of
from photos_sync.workflow.cleanup import AT_ONCE
from photos_sync.workflow.cleanup import cleanup as cleanup_library


def cleanup(
    ctx: typer.Context,
    dry_run: opt.DryRun = False,
    force: bool = typer.Option(
        False, "--force", help="Clean up even when most tracked assets seem to be gone."
    ),
    deletions: Deletions = None,
    yes: bool = typer.Option(
        False, "--yes", help=f"Move more than {AT_ONCE} assets in Immich in one run."
    ),
    json_output: opt.Json = False,
) -> None:
    """Account for assets deleted from Photos: archived in the tracker, never uploaded or
    reported again.

    By default nothing changes in Immich. With --deletions archive or trash (remembered),
    what photos-sync uploaded follows into Immich's archive or trash (restorable there; an
    asset you put in an album of your own is only archived), and comes back when restored
    in Photos.
    """
    state = state_of(ctx)
    work = state.workspace(json_output)
    plan = cleanup_library(work, dry_run=dry_run, force=force, deletions=deletions, yes=yes)
    if json_output:
        state.print_json({"dry_run": dry_run, **plan.to_json()})
    else:
        display.cleanup(plan, state.out, dry_run)


def register(app: typer.Typer) -> None:
    app.command("cleanup")(cleanup)

"""``photos-sync cleanup``: account for assets deleted from Photos."""

from __future__ import annotations

import typer

from photos_sync.cli import display
from photos_sync.cli import options as opt
from photos_sync.cli.state import state_of
from photos_sync.workflow.cleanup import cleanup as cleanup_library


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
    plan = cleanup_library(state.workspace(json_output), dry_run=dry_run, force=force)
    if json_output:
        state.print_json({"dry_run": dry_run, **plan.to_json()})
    else:
        display.cleanup(plan, state.out, dry_run)


def register(app: typer.Typer) -> None:
    app.command("cleanup")(cleanup)

"""``photos-sync ignore``: never upload these assets (or, with --undo, take them back)."""

from __future__ import annotations

import typer

from photos_sync.cli.state import state_of
from photos_sync.workflow.ignore import ignore as ignore_assets


def ignore(
    ctx: typer.Context,
    uuids: list[str] = typer.Argument(..., metavar="UUID...", help="Photos UUIDs."),
    undo: bool = typer.Option(False, "--undo", help="Take them off the list: import them."),
) -> None:
    """Never upload these assets (recorded as skipped, "ignored by you"); find the UUIDs
    with `review` or `status --json`. Assets already in Immich stay there."""
    state = state_of(ctx)
    done, not_done = ignore_assets(state.workspace(), uuids, undo=undo)
    verb = "Taken back (the next import tries them)" if undo else "Ignored from now on"
    state.out.print(f"{verb}: {len(done):,}.")
    if not_done:
        why = "not on the ignore list" if undo else "unknown to the tracker, or imported already"
        state.out.print(f"  {len(not_done):,} {why}: {', '.join(not_done[:10])}", markup=False)
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("ignore")(ignore)

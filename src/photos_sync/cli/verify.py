"""``photos-sync verify``: prove the server holds what the tracker says, and repair it."""

from __future__ import annotations

import typer

from photos_sync.cli import options as opt
from photos_sync.cli.display import library as display
from photos_sync.cli.state import state_of
from photos_sync.workflow.verify import verify_library


def verify(
    ctx: typer.Context,
    deep: bool = typer.Option(
        False, "--deep", help="Also hash every original in the library again and compare."
    ),
    fix_flag: bool = typer.Option(
        False, "--fix", help="Repair what can: re-upload, untrash, re-link, refill, retag, restack."
    ),
    json_output: opt.Json = False,
) -> None:
    """Compare the tracker, the library and the server: assets missing or trashed on the
    server, files that differ, Live Photos not linked, albums, tags and stacks that lost
    what photos-sync gave them. Exits non-zero on any difference."""
    state = state_of(ctx)
    outcome = verify_library(state.workspace(json_output), deep=deep, repair=fix_flag)
    if json_output:
        state.print_json(outcome.to_json())
    else:
        if outcome.fixed:
            state.out.print(f"Repaired {outcome.fixed:,} differences.")
        for problem in outcome.failed:
            state.out.print(f"  could not repair: {problem}", markup=False)
        display.verify(outcome.findings, outcome.checked, state.out)
    if outcome.findings or outcome.failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("verify")(verify)

"""``photos-sync verify``: prove the server holds what the tracker says, and repair it."""

from __future__ import annotations

import click

from photos_sync.cli import options as opt
from photos_sync.cli.commands import CONTEXT_SETTINGS
from photos_sync.cli.display import library as display
from photos_sync.cli.state import current_state
from photos_sync.workflow.verify import verify_library


@click.command("verify", context_settings=CONTEXT_SETTINGS)
@opt.flag("--deep", "Also hash every original in the library again and compare.")
@opt.flag("--fix", "Repair what can: re-upload, untrash, re-link, refill, retag, restack.")
@opt.json_output
def verify(deep: bool, fix: bool, json_output: bool) -> None:
    """Compare the tracker, the library and the server: assets missing or trashed on the
    server, files that differ, Live Photos not linked, albums, tags and stacks that lost
    what photos-sync gave them. Exits non-zero on any difference."""
    state = current_state()
    outcome = verify_library(state.workspace(json_output), deep=deep, repair=fix)
    if json_output:
        state.print_json(outcome.to_json())
    else:
        if outcome.fixed:
            state.out.print(f"Repaired {outcome.fixed:,} differences.")
        for problem in outcome.failed:
            state.out.print(f"  could not repair: {problem}", markup=False)
        display.verify(outcome.findings, outcome.checked, state.out)
    if outcome.findings or outcome.failed:
        raise click.exceptions.Exit(1)

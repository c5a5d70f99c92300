"""``photos-sync status``: what is in the library, what is tracked, what is left."""

from __future__ import annotations

from functools import partial

import click

from photos_sync.cli import options as opt
from photos_sync.cli.commands import CONTEXT_SETTINGS
from photos_sync.cli.display import status as display
from photos_sync.cli.state import current_state
from photos_sync.workflow.status import library_status


@click.command("status", context_settings=CONTEXT_SETTINGS)
@opt.json_output
def status(json_output: bool) -> None:
    """Show what is in the library, what has been imported, and what is left to do.

    Fast on large libraries: it reads only Photos' own tables and the tracker, and can run
    while an import is in progress.
    """
    state = current_state()
    report = library_status(state.workspace(json_output))
    state.show(json_output, report.to_json, partial(display.status, report))

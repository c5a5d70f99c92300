"""``photos-sync doctor``: check everything photos-sync needs, one line each."""

from __future__ import annotations

from functools import partial

import click

from photos_sync.cli import options as opt
from photos_sync.cli.commands import CONTEXT_SETTINGS
from photos_sync.cli.display import library as display
from photos_sync.cli.state import current_state
from photos_sync.errors import ConfigError
from photos_sync.workflow.checks import Check
from photos_sync.workflow.doctor import apply_recommended_settings, run_checks


@click.command("doctor", context_settings=CONTEXT_SETTINGS)
@opt.json_output
@opt.flag(
    "--apply-recommended",
    "Turn on the recommended Immich storage template (needs an admin key).",
)
def doctor(json_output: bool, apply_recommended: bool) -> None:
    """Check configuration, library, data folder, disk space, Immich (its storage template
    too) and backup tools.

    Each check prints one line: ✓ good, ✗ must be fixed (with how), ! optional (backup
    tools before backup is set up). Exits non-zero if a required check fails.
    """
    state = current_state()
    if apply_recommended:
        state.out.print(apply_recommended_settings(state.workspace()), markup=False)
        return
    try:
        checks = run_checks(state.settings, state.origins())
    except ConfigError as error:
        checks = [Check("Configuration", False, error.message, error.hint)]
    state.show(
        json_output, lambda: [check.to_json() for check in checks], partial(display.checks, checks)
    )
    if any(not check.ok and check.required for check in checks):
        raise click.exceptions.Exit(1)

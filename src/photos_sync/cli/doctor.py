"""``photos-sync doctor``: check everything photos-sync needs, one line each."""

from __future__ import annotations

import typer
from rich.console import Console

from photos_sync.cli.state import state_of
from photos_sync.doctor import Check, run_checks
from photos_sync.errors import ConfigError


def doctor(
    ctx: typer.Context,
    json_output: bool = typer.Option(False, "--json", help="Print the checks as JSON."),
) -> None:
    """Check configuration, library, data folder, disk space, Immich and backup tools.

    Each check prints one line: ✓ good, ✗ must be fixed (with how), ! optional (backup
    tools before backup is set up). Exits non-zero if a required check fails.
    """
    state = state_of(ctx)
    try:
        checks = run_checks(state.settings)
    except ConfigError as error:
        checks = [Check("Configuration", False, error.message, error.hint)]
    if json_output:
        state.print_json([check.to_json() for check in checks])
    else:
        print_checks(checks, state.out)
    if any(not check.ok and check.required for check in checks):
        raise typer.Exit(1)


def print_checks(checks: list[Check], console: Console) -> None:
    """One line per check: ✓/✗/!, what was found, and the fix."""
    for check in checks:
        line = f"{check.symbol} {check.name}: {check.detail}"
        if check.fix:
            line += f" — {check.fix}"
        console.print(line, markup=False)


def register(app: typer.Typer) -> None:
    app.command("doctor")(doctor)

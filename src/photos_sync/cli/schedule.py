"""``photos-sync schedule``: run ``sync`` and ``backup`` every night, unattended."""

from __future__ import annotations

from pathlib import Path

import typer

from photos_sync.cli.state import state_of
from photos_sync.errors import ConfigError
from photos_sync.schedule.managers import Scheduler, platform_scheduler
from photos_sync.schedule.units import parse_time
from photos_sync.workflow import schedule as work

app = typer.Typer(
    help="Run `sync` then `backup` every night: a launchd agent on macOS, a systemd user "
    "timer on Linux. A night missed while the machine slept runs when it wakes.",
    no_args_is_help=True,
)

NoBackup = typer.Option(False, "--no-backup", help="Only `sync`, no `backup` after it.")
BackupTo = typer.Option("b2", "--backup-to", help="The backup destination's name.")


def _scheduler() -> Scheduler:
    return platform_scheduler()


@app.command("install")
def install(
    ctx: typer.Context,
    at: str = typer.Option("03:30", "--at", help="When, as HH:MM on a 24-hour clock."),
    no_backup: bool = NoBackup,
    backup_to: str = BackupTo,
) -> None:
    """Install the nightly job (again: it replaces the one there, never adds a second). It
    runs with this data folder and library, reading its settings from ./.env here and the
    data folder's .env, as your runs do."""
    state = state_of(ctx)
    try:
        when = parse_time(at)
    except ValueError as error:
        raise ConfigError(f"--at: {error}", "Give the time as HH:MM, e.g. --at 03:30") from None
    scheduler = _scheduler()
    job, notes = work.install(
        scheduler, state.settings, when, None if no_backup else backup_to, Path.cwd()
    )
    then = "sync" if no_backup else f"sync, then backup --to {backup_to}"
    state.out.print(f"Installed ({scheduler.name}): every night at {when:%H:%M}, {then}.")
    state.out.print(f"  Its output: {job.log_file}", markup=False)
    for note in notes:
        state.err.print(note, markup=False)


@app.command("status")
def status(
    ctx: typer.Context,
    json_output: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Whether the job is installed and loaded, when it runs next, how the last sync and
    backup went."""
    state = state_of(ctx)
    found = work.schedule_state(_scheduler(), state.settings)
    if json_output:
        state.print_json(found.to_json())
        return
    job = found.installed
    if job is None:
        state.out.print(f"Not installed ({found.scheduler}): `photos-sync schedule install`.")
    else:
        at = f"{job.at:%H:%M}" if job.at else "?"
        loaded = "loaded" if job.loaded else f"NOT loaded by {found.scheduler}"
        state.out.print(f"Installed ({found.scheduler}): every night at {at}, {loaded}.")
        if job.next_run:
            state.out.print(f"  Next run: {job.next_run}", markup=False)
    for run in found.last_runs:
        state.out.print(
            f"Last {run.command}: {run.started_at}, {run.outcome}"
            + (f" (log: {run.log_file})" if run.log_file else ""),
            markup=False,
        )
    if not found.last_runs:
        state.out.print("Neither sync nor backup has run yet.")


@app.command("remove")
def remove(ctx: typer.Context) -> None:
    """Unload the nightly job and delete its files."""
    state = state_of(ctx)
    scheduler = _scheduler()
    removed = scheduler.remove()
    state.out.print("Removed." if removed else f"Nothing to remove ({scheduler.name}).")


@app.command("run-now")
def run_now(ctx: typer.Context) -> None:
    """Start the installed job now, in the background, as the scheduler would."""
    state = state_of(ctx)
    scheduler = _scheduler()
    if scheduler.installed() is None:
        raise ConfigError("The nightly job is not installed", "Run `photos-sync schedule install`")
    scheduler.run_now()
    state.out.print(f"Started; its output goes to {state.settings.photos_sync_data}/logs.")


@app.command("job", hidden=True)
def job(ctx: typer.Context, no_backup: bool = NoBackup, backup_to: str = BackupTo) -> None:
    """What the scheduler runs: sync, then backup."""
    state = state_of(ctx)
    base = work.photos_sync_command(state.settings)
    raise typer.Exit(work.run_job(base, None if no_backup else backup_to))


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="schedule")

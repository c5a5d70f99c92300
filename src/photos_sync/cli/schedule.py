"""``photos-sync schedule``: run ``sync`` and ``backup`` every night, unattended."""

from __future__ import annotations

from pathlib import Path

import click

from photos_sync.cli import options as opt
from photos_sync.cli.commands import CONTEXT_SETTINGS
from photos_sync.cli.state import current_state
from photos_sync.errors import ConfigError
from photos_sync.schedule.managers import Scheduler, platform_scheduler
from photos_sync.schedule.units import parse_time
from photos_sync.workflow import schedule as work


@click.group("schedule", context_settings=CONTEXT_SETTINGS, no_args_is_help=True)
def schedule() -> None:
    """Run `sync` then `backup` every night: a launchd agent on macOS, a systemd user timer
    on Linux. A night missed while the machine slept runs when it wakes."""


no_backup_option: opt.Option = opt.flag("--no-backup", "Only `sync`, no `backup` after it.")
backup_to_option: opt.Option = click.option(
    "--backup-to", default="b2", show_default=True, help="The backup destination's name."
)


def _scheduler() -> Scheduler:
    return platform_scheduler()


@schedule.command("install")
@click.option("--at", default="03:30", show_default=True, help="When, as HH:MM on a 24-hour clock.")
@no_backup_option
@backup_to_option
def install(at: str, no_backup: bool, backup_to: str) -> None:
    """Install the nightly job (again: it replaces the one there, never adds a second). It
    runs with this data folder and library, reading its settings from ./.env here and the
    data folder's .env, as your runs do."""
    state = current_state()
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


@schedule.command("status")
@opt.json_output
def status(json_output: bool) -> None:
    """Whether the job is installed and loaded, when it runs next, how the last sync and
    backup went."""
    state = current_state()
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


@schedule.command("remove")
def remove() -> None:
    """Unload the nightly job and delete its files."""
    state = current_state()
    scheduler = _scheduler()
    removed = scheduler.remove()
    state.out.print("Removed." if removed else f"Nothing to remove ({scheduler.name}).")


@schedule.command("run-now")
def run_now() -> None:
    """Start the installed job now, in the background, as the scheduler would."""
    state = current_state()
    scheduler = _scheduler()
    if scheduler.installed() is None:
        raise ConfigError("The nightly job is not installed", "Run `photos-sync schedule install`")
    scheduler.run_now()
    state.out.print(f"Started; its output goes to {state.settings.photos_sync_data}/logs.")


@schedule.command("job", hidden=True)
@no_backup_option
@backup_to_option
def job(no_backup: bool, backup_to: str) -> None:
    """What the scheduler runs: sync, then backup."""
    state = current_state()
    base = work.photos_sync_command(state.settings)
    raise click.exceptions.Exit(work.run_job(base, None if no_backup else backup_to))

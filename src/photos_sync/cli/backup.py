"""``photos-sync backup`` and ``photos-sync restore``: Immich's data, encrypted, offsite.

``backup`` alone backs up; its other tasks are sub-commands (``backup check``, ``setup``,
``status``, ``verify``, ``reset``), each with only the options that mean something to it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import click

from photos_sync.cli import options as opt
from photos_sync.cli.commands import CONTEXT_SETTINGS
from photos_sync.cli.display import backup as display
from photos_sync.cli.display import library as library_display
from photos_sync.cli.state import AppState, current_state
from photos_sync.errors import ConfigError
from photos_sync.workflow import backup as work
from photos_sync.workflow.ping import health_pings


def _ask(question: str, default: str | None) -> str:
    return str(click.prompt(question, default=default))


def _run(
    state: AppState, to: str, dry_run: bool, force: bool, allow_deletions: bool, json_output: bool
) -> bool:
    url = state.settings.healthcheck_url
    pinged = None if dry_run or url is None else url.get_secret_value()
    with health_pings(pinged, f"backup --to {to}") as report:
        results = work.back_up(
            state.workspace(json_output),
            to,
            dry_run=dry_run,
            force=force,
            allow_deletions=allow_deletions,
        )
        failed = [r for r in results if r.status != "COMPLETED"]
        report.ok = not failed
        report.line = "; ".join(
            f"{Path(r.job.source_path).name}: {r.error or r.status}" for r in failed
        )
    if json_output:
        state.print_json(
            {
                "destination": to,
                "dry_run": dry_run,
                "ok": not failed,
                "jobs": [result.to_json() for result in results],
            }
        )
    else:
        display.backup_results(results, state.out, dry_run)
    return not failed


Command = TypeVar("Command", bound=Callable[..., Any])

# The modes backup took as flags before they were sub-commands: each now says where it went.
OLD_MODES = ("check", "setup", "status", "verify", "reset")


def _moved(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        mode = (param.name or "").removeprefix("old_")
        raise click.UsageError(
            f"backup --{mode} is now a sub-command: photos-sync backup {mode}", ctx
        )


def _old_modes(command: Command) -> Command:
    for mode in OLD_MODES:
        command = click.option(
            f"--{mode}",
            f"old_{mode}",
            is_flag=True,
            hidden=True,
            expose_value=False,
            callback=_moved,
        )(command)
    return command


def _destination(to: str | None) -> str:
    """A sub-command's destination: its own --to, else backup's, else b2."""
    if to is not None:
        return to
    parent = click.get_current_context().parent
    given = parent.params.get("to") if parent is not None else None
    return str(given or "b2")


destination: opt.Option = click.option(
    "--to", default=None, metavar="NAME", help="The destination's name (default: b2)."
)


@click.group("backup", context_settings=CONTEXT_SETTINGS, invoke_without_command=True)
@click.option("--to", default="b2", show_default=True, help="The destination's name.")
@opt.dry_run
@opt.flag("--force", "Resume stale jobs (interrupted runs).")
@opt.flag(
    "--allow-deletions",
    "Let this backup delete more than BACKUP_MAX_DELETE_PERCENT / _FILES of a folder "
    "(deleted files are still kept in the backup's photos-sync-deleted/ folder).",
)
@opt.json_output
@_old_modes
@click.pass_context
def backup(
    ctx: click.Context,
    to: str,
    dry_run: bool,
    force: bool,
    allow_deletions: bool,
    json_output: bool,
) -> None:
    """Back up Immich's data (library, upload, profile, backups, and photos-sync's own data)
    encrypted with rclone crypt, keys from 1Password. One job per folder, resumable.

    Alone, it backs up; the sub-commands check, set up, show, verify or reset a
    destination.
    """
    if ctx.invoked_subcommand is not None:
        return
    if not _run(current_state(), to, dry_run, force, allow_deletions, json_output):
        raise click.exceptions.Exit(1)


@backup.command("check")
@opt.json_output
def check(json_output: bool) -> None:
    """Check rclone, 1Password (signed in, the item) and the paths to back up."""
    state = current_state()
    checks = work.check_backup(state.workspace(json_output))
    state.show(
        json_output,
        lambda: [check.to_json() for check in checks],
        partial(library_display.checks, checks),
    )
    if not all(c.ok or not c.required for c in checks):
        raise click.exceptions.Exit(1)


@backup.command("setup")
@destination
@click.option("--type", "kind", type=click.Choice(["b2", "s3", "local"]), help="The kind.")
@click.option("--bucket", help="The bucket, or the folder for a local destination.")
@click.option("--remote-path", default="immich", show_default=True, help="The path in the bucket.")
@opt.flag("--yes", "Do not ask: take --type and --bucket as given.")
def setup(
    to: str | None, kind: str | None, bucket: str | None, remote_path: str, yes: bool
) -> None:
    """Set up a destination (asks, or takes --type and --bucket with --yes) and test a
    write through its encryption."""
    state = current_state()
    name = _destination(to)
    made = work.setup_destination(
        state.workspace(), name, kind, bucket, remote_path, None if yes else _ask
    )
    state.out.print(
        f"Destination '{name}' ({made.type}, {made.bucket_name}) saved; a test write "
        "through encryption worked.",
        markup=False,
    )


@backup.command("status")
@destination
@opt.json_output
def status(to: str | None, json_output: bool) -> None:
    """Show the destination's jobs: files, bytes, the last backup, stale warnings."""
    state = current_state()
    found = work.backup_status(state.workspace(json_output), _destination(to))
    state.show(json_output, found.to_json, partial(display.backup_status, found))


@backup.command("verify")
@destination
@click.option(
    "--sample",
    type=click.FloatRange(0.0, 100.0),
    default=5.0,
    show_default=True,
    help="Also download and compare this percent of the files (a different slice each day) "
    "and every file too large for B2 to checksum.",
)
@opt.json_output
def verify(to: str | None, sample: float, json_output: bool) -> None:
    """Prove every file is in the backup (rclone cryptcheck)."""
    state = current_state()
    folders = work.verify_backup(state.workspace(json_output), _destination(to), sample)
    state.show(
        json_output,
        lambda: [folder.to_json() for folder in folders],
        partial(display.backup_checks, folders),
    )
    if not all(f.ok for f in folders):
        raise click.exceptions.Exit(1)


@backup.command("reset")
@destination
def reset(to: str | None) -> None:
    """Forget all job state of the destination: the next backup starts fresh."""
    state = current_state()
    name = _destination(to)
    removed = work.reset_destination(state.workspace(), name)
    state.out.print(f"Forgot {removed} jobs of '{name}'; the next backup starts fresh.")


@click.command("restore", context_settings=CONTEXT_SETTINGS)
@click.option(
    "--to",
    "target",
    type=click.Path(path_type=Path),
    help="Folder to restore into (with --drill: a scratch folder to use).",
)
@click.option(
    "--from", "source", default="b2", show_default=True, help="The destination to restore from."
)
@click.option("--path", default="", help="Only this folder, e.g. library.")
@opt.flag("--force", "Restore into a folder that is not empty.")
@opt.flag(
    "--drill",
    "Prove the backup can bring Immich back: restore its newest database dump, and check "
    "every original it names is in the backup with its size.",
)
@opt.json_output
def restore(
    target: Path | None, source: str, path: str, force: bool, drill: bool, json_output: bool
) -> None:
    """Copy the backup back, decrypting it, then check every restored file against it."""
    state = current_state()
    work_on = state.workspace(json_output)
    if drill:
        outcome = work.restore_drill(work_on, source, target)
        state.show(json_output, outcome.to_json, partial(display.drilled, outcome))
        if not outcome.ok:
            raise click.exceptions.Exit(1)
        return
    if target is None:
        raise ConfigError("restore needs --to FOLDER", "Or --drill to only prove it would work")
    restored = work.restore(work_on, target, source, path, force)
    state.show(json_output, restored.to_json, partial(display.restored, restored))
    if not restored.ok:
        raise click.exceptions.Exit(1)

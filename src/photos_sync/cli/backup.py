"""``photos-sync backup`` and ``photos-sync restore``: Immich's data, encrypted, offsite."""

from __future__ import annotations

from pathlib import Path

import typer

from photos_sync.cli import options as opt
from photos_sync.cli.display import backup as display
from photos_sync.cli.display import library as library_display
from photos_sync.cli.state import AppState, state_of
from photos_sync.errors import ConfigError
from photos_sync.workflow import backup as work
from photos_sync.workflow.ping import health_pings


def _ask(question: str, default: str | None) -> str:
    return str(typer.prompt(question, default=default))


def _one_mode(**modes: bool) -> str | None:
    """The mode flag given, if any; two at once are refused, not quietly reduced to one."""
    given = [name for name, on in modes.items() if on]
    if len(given) > 1:
        flags = " and ".join(f"--{name}" for name in given)
        raise ConfigError(f"{flags} cannot be used together", "Run one of them at a time")
    return given[0] if given else None


def _run(state: AppState, to: str, dry_run: bool, force: bool, allow_deletions: bool) -> bool:
    url = state.settings.healthcheck_url
    pinged = None if dry_run or url is None else url.get_secret_value()
    with health_pings(pinged, f"backup --to {to}") as report:
        results = work.back_up(
            state.workspace(), to, dry_run=dry_run, force=force, allow_deletions=allow_deletions
        )
        failed = [r for r in results if r.status != "COMPLETED"]
        report.ok = not failed
        report.line = "; ".join(
            f"{Path(r.job.source_path).name}: {r.error or r.status}" for r in failed
        )
    display.backup_results(results, state.out, dry_run)
    return not failed


def backup(
    ctx: typer.Context,
    check_flag: bool = typer.Option(False, "--check", help="Check rclone, 1Password and paths."),
    setup_flag: bool = typer.Option(
        False,
        "--setup",
        help="Set up a destination (asks, or takes --type/--bucket with --yes) and test it.",
    ),
    to: str = typer.Option("b2", "--to", help="The destination's name."),
    status_flag: bool = typer.Option(False, "--status", help="Show the destination's jobs."),
    dry_run: opt.DryRun = False,
    force: bool = typer.Option(False, "--force", help="Resume stale jobs (interrupted runs)."),
    reset: bool = typer.Option(False, "--reset", help="Forget all job state of the destination."),
    sample: float = typer.Option(
        5.0,
        "--sample",
        min=0.0,
        max=100.0,
        help="With --verify: also download and compare this percent of the files (a "
        "different slice each day) and every file too large for B2 to checksum.",
    ),
    verify_flag: bool = typer.Option(
        False, "--verify", help="Prove every file is in the backup (rclone cryptcheck)."
    ),
    kind: str | None = typer.Option(None, "--type", help="With --setup: b2, s3 or local."),
    bucket: str | None = typer.Option(None, "--bucket", help="With --setup: bucket or folder."),
    remote_path: str = typer.Option("immich", "--remote-path", help="With --setup: path in it."),
    yes: bool = typer.Option(False, "--yes", help="With --setup: do not ask."),
    allow_deletions: bool = typer.Option(
        False,
        "--allow-deletions",
        help="Let this backup delete more than BACKUP_MAX_DELETE_PERCENT / _FILES of a "
        "folder (deleted files are still kept in the backup's photos-sync-deleted/ folder).",
    ),
) -> None:
    """Back up Immich's data (library, upload, profile, backups, and photos-sync's own data)
    encrypted with rclone crypt, keys from 1Password. One job per folder, resumable."""
    state = state_of(ctx)
    mode = _one_mode(
        check=check_flag, setup=setup_flag, status=status_flag, reset=reset, verify=verify_flag
    )
    space = state.workspace()
    ok = True
    if mode == "check":
        checks = work.check_backup(space)
        library_display.checks(checks, state.out)
        ok = all(c.ok or not c.required for c in checks)
    elif mode == "setup":
        made = work.setup_destination(space, to, kind, bucket, remote_path, None if yes else _ask)
        state.out.print(
            f"Destination '{to}' ({made.type}, {made.bucket_name}) saved; a test write "
            "through encryption worked.",
            markup=False,
        )
    elif mode == "status":
        display.backup_status(work.backup_status(space, to), state.out)
    elif mode == "reset":
        removed = work.reset_destination(space, to)
        state.out.print(f"Forgot {removed} jobs of '{to}'; the next backup starts fresh.")
    elif mode == "verify":
        folders = work.verify_backup(space, to, sample)
        display.backup_checks(folders, state.out)
        ok = all(f.ok for f in folders)
    else:
        ok = _run(state, to, dry_run, force, allow_deletions)
    if not ok:
        raise typer.Exit(1)


def restore(
    ctx: typer.Context,
    target: Path | None = typer.Option(
        None, "--to", help="Folder to restore into (with --drill: a scratch folder to use)."
    ),
    source: str = typer.Option("b2", "--from", help="The destination to restore from."),
    path: str = typer.Option("", "--path", help="Only this folder, e.g. library."),
    force: bool = typer.Option(False, "--force", help="Restore into a folder that is not empty."),
    drill: bool = typer.Option(
        False,
        "--drill",
        help="Prove the backup can bring Immich back: restore its newest database dump, "
        "and check every original it names is in the backup with its size.",
    ),
) -> None:
    """Copy the backup back, decrypting it, then check every restored file against it."""
    state = state_of(ctx)
    if drill:
        outcome = work.restore_drill(state.workspace(), source, target)
        display.drilled(outcome, state.out)
        if not outcome.ok:
            raise typer.Exit(1)
        return
    if target is None:
        raise ConfigError("restore needs --to FOLDER", "Or --drill to only prove it would work")
    restored = work.restore(state.workspace(), target, source, path, force)
    display.restored(restored, state.out)
    if not restored.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("backup")(backup)
    app.command("restore")(restore)

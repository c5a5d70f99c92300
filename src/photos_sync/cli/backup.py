"""``photos-sync backup`` and ``photos-sync restore``: Immich's data, encrypted, offsite."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path

import typer

from photos_sync.backup import rclone as rc
from photos_sync.backup.onepassword import (
    FIELDS,
    BackupSecrets,
    SecretsError,
    create_item,
    read_secrets,
)
from photos_sync.backup.remotes import (
    CRYPT_REMOTE,
    CRYPT_ROOT,
    TYPES,
    Destination,
    S3Endpoint,
    obscure_with,
    rclone_env,
)
from photos_sync.backup.runner import DeletionGuard, remote_for, run_backup, sources
from photos_sync.backup.sampling import choose
from photos_sync.backup.stats import Stats
from photos_sync.backup.tools import find_rclone, op_signed_in
from photos_sync.cli import options as opt
from photos_sync.cli.doctor import print_checks
from photos_sync.cli.progress import meter
from photos_sync.cli.state import AppState, state_of
from photos_sync.doctor import Check, check_op, check_rclone
from photos_sync.errors import ConfigError, PhotosSyncError
from photos_sync.track import backup_jobs
from photos_sync.track.backup_jobs import Job
from photos_sync.track.database import (
    create_private_file,
    open_tracker,
    open_tracker_read_only,
    snapshot,
)
from photos_sync.upload.checksum import sha1_of


def _rclone(state: AppState) -> Path:
    binary = find_rclone(state.settings.rclone_binary)
    if binary is None:
        raise PhotosSyncError("rclone not found", "Reinstall photos-sync, or set RCLONE_BINARY")
    return binary


@contextmanager
def _destination_lock(state: AppState, name: str) -> Iterator[sqlite3.Connection]:
    """One backup per destination at a time (rclone has no lock of its own); imports may
    run meanwhile, so this is not the data folder's main lock."""
    with state.tracker(f"backup --to {name}", lock=f"backup-{name}.lock") as connection:
        yield connection


def _secrets(state: AppState, kind: str = "b2") -> BackupSecrets:
    """The keys a destination of this type needs (a local disk: only the crypt password)."""
    required = ("encryption_password",) if kind == "local" else FIELDS
    return read_secrets(state.settings.backup_op_item, state.settings.backup_op_vault, required)


def _s3(state: AppState) -> S3Endpoint | None:
    url = state.settings.backup_s3_endpoint
    return S3Endpoint(url, state.settings.backup_s3_provider) if url else None


def _environment(
    state: AppState, destination: Destination, secrets: BackupSecrets | None = None
) -> tuple[Path, dict[str, str]]:
    rclone = _rclone(state)
    secrets = secrets or _secrets(state, destination.type)
    env = rclone_env(destination, secrets, obscure_with(rclone), _s3(state))
    return rclone, env


def _known(connection: sqlite3.Connection, name: str) -> Destination:
    found = backup_jobs.destination(connection, name)
    if found is None:
        raise PhotosSyncError(
            f"No backup destination named '{name}'", "Run `photos-sync backup --setup` first"
        )
    return found


def _age(stamp: str | None) -> str:
    if stamp is None:
        return "never"
    minutes = int((datetime.now(UTC) - datetime.fromisoformat(stamp)).total_seconds() // 60)
    return f"{minutes} minutes ago" if minutes < 120 else f"{minutes // 60} hours ago"


def check(state: AppState) -> None:
    """The backup's prerequisites, as doctor checks them, plus the 1Password item."""
    checks = [check_rclone(state.settings, required=True), check_op(required=True)]
    if checks[-1].ok:
        try:
            secrets = _secrets(state)
            checks.append(
                Check("1Password item", True, f"all four fields (bucket {secrets.bucket_name})")
            )
        except PhotosSyncError as error:
            checks.append(Check("1Password item", False, error.message, error.hint))
    path = state.settings.backup_immich_path
    checks.append(
        Check(
            "BACKUP_IMMICH_PATH",
            path is not None and path.is_dir(),
            str(path) if path else "not set",
            None if path is not None and path.is_dir() else "Set it to Immich's data folder",
        )
    )
    print_checks(checks, state.out)
    if not all(c.ok for c in checks):
        raise typer.Exit(1)


def setup(
    state: AppState, name: str, kind: str | None, bucket: str | None, remote_path: str, yes: bool
) -> None:
    if not op_signed_in().ok:
        raise PhotosSyncError("1Password CLI is not signed in", "Run `op signin` first")
    if kind is None:
        kind = "b2" if yes else typer.prompt("Destination type (b2, s3 or local)", default="b2")
    if kind not in TYPES:
        raise ConfigError(f"Unknown destination type '{kind}'", f"Use one of: {', '.join(TYPES)}")
    secrets = _item_for_setup(state, kind)
    if bucket is None:
        bucket = secrets.bucket_name if kind == "b2" else None
        if bucket is None or not yes:
            bucket = typer.prompt("Bucket (b2, s3) or folder (local)", default=bucket)
    assert bucket is not None
    with _destination_lock(state, name) as connection:
        destination = backup_jobs.save_destination(connection, name, kind, bucket, remote_path)
        rclone, env = _environment(state, destination, secrets)
        problem = rc.check_canary(rclone, env)
        if problem is not None and rc.holds_anything(rclone, env, env[CRYPT_REMOTE]):
            raise PhotosSyncError(
                f"The destination already holds a backup that this password cannot read "
                f"({problem}); it was encrypted with another password. Nothing was written",
                "Put the password that made it into the 1Password item's encryption_password,"
                " or choose another --bucket/--remote-path",
            )
        if problem is not None:
            problem = rc.write_canary(rclone, env)
        if problem is not None:
            raise PhotosSyncError(f"Test write through encryption failed: {problem}")
    state.out.print(
        f"Destination '{name}' ({kind}, {bucket}) saved; a test write through encryption worked."
    )


def _item_for_setup(state: AppState, kind: str) -> BackupSecrets:
    """The 1Password item, created (with a new encryption password) when there is none."""
    item, vault = state.settings.backup_op_item, state.settings.backup_op_vault
    try:
        return _secrets(state, kind)
    except SecretsError as error:
        if "has no item" not in error.message:
            raise
    create_item(item, vault)
    state.out.print(f'Created the 1Password item "{item}" with a new encryption password.')
    try:
        return _secrets(state, kind)
    except SecretsError as error:
        raise SecretsError(
            error.message,
            f'Open "{item}" in 1Password, fill in your B2 application key and bucket, then run '
            "`photos-sync backup --setup` again",
        ) from None


def status(state: AppState, name: str) -> None:
    connection = open_tracker(state.settings.tracker_path)
    try:
        destination = _known(connection, name)
        jobs = backup_jobs.jobs(connection, destination.id)
        stale = backup_jobs.stale_jobs(jobs, state.settings.backup_stats_interval)
        last = connection.execute(
            "SELECT last_backup_at FROM backup_destinations WHERE id = ?", (destination.id,)
        ).fetchone()[0]
    finally:
        connection.close()
    state.out.print(
        f"Destination {name} ({destination.type}, {destination.bucket_name}): "
        f"last complete backup {_age(last)}"
    )
    for job in jobs:
        state.out.print(
            f"  {Path(job.source_path).name}: {job.status}, "
            f"{job.files_transferred:,} files / {job.bytes_transferred / 1e6:,.1f} MB,"
            f" updated {_age(job.last_update)}"
            + (f", {job.error_message}" if job.error_message else ""),
            markup=False,
        )
    for job in stale:
        state.out.print(
            f"WARNING: stale job {Path(job.source_path).name}: last update "
            f"{_age(job.last_update)}; `backup --force` resumes it",
            markup=False,
        )


def _immich_path(state: AppState) -> Path:
    immich = state.settings.backup_immich_path
    if immich is None:
        raise ConfigError("BACKUP_IMMICH_PATH is not set", "Set it to Immich's data folder")
    return immich


def _guard(state: AppState, allow: bool) -> DeletionGuard:
    return DeletionGuard(
        percent=state.settings.backup_max_delete_percent,
        files=state.settings.backup_max_delete_files,
        allow=allow,
        stamp=datetime.now(UTC).strftime("%Y-%m-%dT%H%M%SZ"),
    )


def run(state: AppState, name: str, dry_run: bool, force: bool, allow_deletions: bool) -> None:
    immich = _immich_path(state)
    with _destination_lock(state, name) as connection:
        destination = _known(connection, name)
        rclone, env = _environment(state, destination)
        problem = rc.check_canary(rclone, env)
        if problem is not None:
            raise PhotosSyncError(
                f"Backup refused: {problem}", "Check the 1Password item's encryption_password"
            )
        existing = backup_jobs.jobs(connection, destination.id)
        stale = backup_jobs.stale_jobs(existing, state.settings.backup_stats_interval)
        if stale and not force:
            names = ", ".join(
                f"{Path(j.source_path).name} (last update {_age(j.last_update)})" for j in stale
            )
            raise PhotosSyncError(
                f"Found {len(stale)} stale job(s): {names}",
                "Resume with `backup --force`, or start over with --reset",
            )
        running = [j.id for j in existing if j.status == "RUNNING"]
        backup_jobs.interrupt(connection, running)  # we hold the lock: nobody runs them
        jobs = backup_jobs.ensure_jobs(
            connection, destination.id, sources(immich, state.settings.data_dir)
        )
        if not dry_run:
            snapshot(connection, state.settings.data_dir / rc.SNAPSHOT)
        log = state.settings.data_dir / "backup.log"
        create_private_file(log)  # the latest run only; it lists file names
        with meter(state.err, "Backing up", 0) as progress:

            def show(job: Job, stats: Stats) -> None:
                progress.label = Path(job.source_path).name
                progress.update(min(stats.bytes, stats.total_bytes), stats.total_bytes)

            results = run_backup(
                rclone,
                env,
                jobs,
                connection,
                log,
                dry_run=dry_run,
                max_retries=state.settings.backup_max_retries,
                guard=_guard(state, allow_deletions),
                on_stats=show,
            )
        if not dry_run and all(r.status == "COMPLETED" for r in results):
            backup_jobs.finished(connection, destination.id)
    for result in results:
        folder = Path(result.job.source_path).name
        detail = f": {result.error}" if result.error else ""
        line = (
            f"{folder}: {result.error}"
            if result.refused
            else f"{folder} -> {remote_for(result.job.source_path)}: {result.status}{detail}"
        )
        state.out.print(line, markup=False)
    if dry_run:
        state.out.print("Dry run: nothing was transferred (see the log for what would be).")
    if any(r.status != "COMPLETED" for r in results):
        raise typer.Exit(1)


def _files(source: str) -> list[tuple[str, int]]:
    """The source's files the backup holds, with their sizes (what --verify samples)."""
    root = Path(source)
    return [
        (str(p.relative_to(root)), p.stat().st_size)
        for p in sorted(root.rglob("*"))
        if p.is_file() and not rc.left_out(p.relative_to(root))
    ]


def verify(state: AppState, name: str, sample: float) -> None:
    immich = _immich_path(state)
    with _destination_lock(state, name) as connection:
        rclone, env = _environment(state, _known(connection, name))
    failed = False
    rotation = datetime.now(UTC).timetuple().tm_yday
    for source, _ in sources(immich, state.settings.data_dir):
        good, summary = rc.cryptcheck(rclone, env, source, remote_for(source))
        chosen, large = choose(_files(source), sample, rotation)
        read_back, problem = rc.download_compare(rclone, env, source, remote_for(source), chosen)
        failed = failed or not good or not read_back
        how = f"; read back and compared {len(chosen)} files ({large} large)"
        state.out.print(
            f"{'✓' if good and read_back else '✗'} {Path(source).name}: "
            f"{summary}{how}{': ' + problem if problem else ''}",
            markup=False,
        )
    if failed:
        raise typer.Exit(1)


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
    if check_flag:
        check(state)
    elif setup_flag:
        setup(state, to, kind, bucket, remote_path, yes)
    elif status_flag:
        status(state, to)
    elif reset:
        with _destination_lock(state, to) as connection:
            removed = backup_jobs.reset(connection, _known(connection, to).id)
        state.out.print(f"Forgot {removed} jobs of '{to}'; the next backup starts fresh.")
    elif verify_flag:
        verify(state, to, sample)
    else:
        run(state, to, dry_run, force, allow_deletions)


def restore(
    ctx: typer.Context,
    target: Path = typer.Option(..., "--to", help="Folder to restore into."),
    source: str = typer.Option("b2", "--from", help="The destination to restore from."),
    path: str = typer.Option("", "--path", help="Only this folder, e.g. library."),
    force: bool = typer.Option(False, "--force", help="Restore into a folder that is not empty."),
) -> None:
    """Copy the backup back, decrypting it, then check every restored file against it."""
    state = state_of(ctx)
    if target.exists() and any(target.iterdir()) and not force:
        raise PhotosSyncError(f"{target} is not empty", "Choose an empty folder, or --force")
    target.mkdir(parents=True, exist_ok=True)
    with _destination_lock(state, source) as connection:
        rclone, env = _environment(state, _known(connection, source))
    remote = f"{CRYPT_ROOT}{path.strip('/')}"
    into = target / path.strip("/") if path else target
    into.mkdir(parents=True, exist_ok=True)  # an empty folder in the backup restores as one
    whole = not path.strip("/")
    good, error = rc.copy_back(rclone, env, remote, into, whole)
    if not good:
        raise PhotosSyncError(f"Restore failed: {error}")
    held = rc.listing(rclone, env, remote, whole)
    proven, summary = rc.cryptcheck(rclone, env, str(into), remote, only=held)
    state.out.print(f"Restored into {into}; checked against the backup: {summary}", markup=False)
    intact = True
    if path.strip("/") in ("", "library"):
        intact = _originals_intact(state, target)
    if not proven or not intact:
        raise typer.Exit(1)


def _originals_intact(state: AppState, target: Path) -> bool:
    """Every original photos-sync put into Immich is among the restored files, unchanged
    (by the SHA-1 the tracker recorded at upload)."""
    connection = open_tracker_read_only(state.settings.tracker_path)
    if connection is None:
        return True
    with closing(connection):
        rows = connection.execute(
            "SELECT sha1 FROM imported_assets WHERE status = 'imported' AND sha1 IS NOT NULL"
        )
        wanted = {row[0] for row in rows}
    if not wanted:
        return True
    found = {
        sha1_of(p)[0]
        for folder in ("library", "upload")
        for p in (target / folder).rglob("*")
        if p.is_file()
    }
    missing = len(wanted - found)
    gap = f"; {missing:,} missing or changed" if missing else ""
    state.out.print(
        f"Immich originals imported by photos-sync: {len(wanted) - missing:,} of "
        f"{len(wanted):,} restored intact{gap}",
        markup=False,
    )
    return missing == 0


def register(app: typer.Typer) -> None:
    app.command("backup")(backup)
    app.command("restore")(restore)

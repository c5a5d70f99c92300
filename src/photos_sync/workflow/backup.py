"""``backup`` and ``restore``: Immich's data, encrypted with rclone crypt, keys from
1Password; one resumable job per folder, a deletion guard, and a restore that checks every
file it brings back. The results are returned; the CLI shows them."""

from __future__ import annotations

import dataclasses
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path, PurePosixPath

from photos_sync.backup import rclone as rc
from photos_sync.backup.batches import DATA_FOLDER, remote_for
from photos_sync.backup.onepassword import (
    FIELDS,
    BackupSecrets,
    SecretsError,
    create_item,
    read_secrets,
)
from photos_sync.backup.rclone import Rclone
from photos_sync.backup.remotes import (
    CRYPT_REMOTE,
    CRYPT_ROOT,
    TYPES,
    S3Endpoint,
    obscure_with,
    rclone_env,
)
from photos_sync.backup.runner import (
    REBUILT,
    DeletionGuard,
    JobResult,
    run_backup,
    sources,
)
from photos_sync.backup.sampling import choose
from photos_sync.backup.stats import Stats
from photos_sync.backup.tools import find_rclone, op_signed_in
from photos_sync.errors import BackupError, ConfigError, PhotosSyncError
from photos_sync.track import backup_jobs
from photos_sync.track.assets import imported_sha1s
from photos_sync.track.backup_jobs import Destination, Job
from photos_sync.track.database import create_private_file, open_tracker_read_only, snapshot
from photos_sync.track.runs import recorded_run
from photos_sync.upload.checksum import sha1_of
from photos_sync.workflow.checks import Check, check_database_dump, check_op, check_rclone
from photos_sync.workflow.database_dump import (
    DrillOutcome,
    drill,
    fresh_dump,
    newest_local_dump,
)
from photos_sync.workflow.workspace import Workspace

Prompt = Callable[[str, str | None], str]  # (question, default) -> answer


def _rclone(work: Workspace) -> Path:
    binary = find_rclone(work.settings.rclone_binary)
    if binary is None:
        raise PhotosSyncError("rclone not found", "Reinstall photos-sync, or set RCLONE_BINARY")
    return binary


@contextmanager
def _destination_lock(work: Workspace, name: str) -> Iterator[sqlite3.Connection]:
    """One backup per destination at a time (rclone has no lock of its own); imports may
    run meanwhile, so this is not the data folder's main lock."""
    with work.tracker(f"backup --to {name}", lock=f"backup-{name}.lock") as connection:
        yield connection


def _secrets(work: Workspace, kind: str = "b2") -> BackupSecrets:
    """The keys a destination of this type needs (a local disk: only the crypt password)."""
    required = ("encryption_password",) if kind == "local" else FIELDS
    settings = work.settings
    return read_secrets(settings.backup_op_item, settings.backup_op_vault, required)


def _rclone_for(
    work: Workspace, destination: Destination, secrets: BackupSecrets | None = None
) -> Rclone:
    """rclone set up for a destination (its keys read once, from 1Password)."""
    binary = _rclone(work)
    secrets = secrets or _secrets(work, destination.type)
    url = work.settings.backup_s3_endpoint
    s3 = S3Endpoint(url, work.settings.backup_s3_provider) if url else None
    return Rclone(binary, rclone_env(destination, secrets, obscure_with(binary), s3))


def _canary_problem(rclone: Rclone) -> str | None:
    try:
        rclone.check_canary()
    except BackupError as error:
        return error.message
    return None


def _known(connection: sqlite3.Connection, name: str) -> Destination:
    found = backup_jobs.destination(connection, name)
    if found is None:
        raise PhotosSyncError(
            f"No backup destination named '{name}'", "Run `photos-sync backup setup` first"
        )
    return found


def age(stamp: str | None) -> str:
    """How long ago, in words a person reads at a glance."""
    if stamp is None:
        return "never"
    minutes = int((datetime.now(UTC) - datetime.fromisoformat(stamp)).total_seconds() // 60)
    return f"{minutes} minutes ago" if minutes < 120 else f"{minutes // 60} hours ago"


def check_backup(work: Workspace) -> list[Check]:
    """The backup's prerequisites, as doctor checks them, plus the 1Password item."""
    checks = [check_rclone(work.settings, required=True), check_op(required=True)]
    if checks[-1].ok:
        try:
            secrets = _secrets(work)
            checks.append(
                Check("1Password item", True, f"all four fields (bucket {secrets.bucket_name})")
            )
        except PhotosSyncError as error:
            checks.append(Check("1Password item", False, error.message, error.hint))
    path = work.settings.backup_immich_path
    usable = path is not None and path.is_dir()
    checks.append(
        Check(
            "BACKUP_IMMICH_PATH",
            usable,
            str(path) if path else "not set",
            None if usable else "Set it to Immich's data folder",
        )
    )
    if path is not None and usable:
        checks.append(check_database_dump(path))
    return checks


def setup_destination(
    work: Workspace,
    name: str,
    kind: str | None,
    bucket: str | None,
    remote_path: str,
    ask: Prompt | None,
) -> Destination:
    """Save a destination and prove a write through encryption works; ``ask`` (None: take
    the defaults) fills what was not given."""
    if not op_signed_in().ok:
        raise PhotosSyncError("1Password CLI is not signed in", "Run `op signin` first")
    if kind is None:
        kind = ask("Destination type (b2, s3 or local)", "b2") if ask else "b2"
    if kind not in TYPES:
        raise ConfigError(f"Unknown destination type '{kind}'", f"Use one of: {', '.join(TYPES)}")
    secrets = _item_for_setup(work, kind)
    if bucket is None:
        bucket = secrets.bucket_name if kind == "b2" else None
        if bucket is None or ask is not None:
            if ask is None:
                raise ConfigError("No --bucket given", "Give --bucket (a bucket or a folder)")
            bucket = ask("Bucket (b2, s3) or folder (local)", bucket)
    with _destination_lock(work, name) as connection:
        destination = backup_jobs.save_destination(connection, name, kind, bucket, remote_path)
        rclone = _rclone_for(work, destination, secrets)
        problem = _canary_problem(rclone)
        if problem is not None and rclone.holds_anything(rclone.env[CRYPT_REMOTE]):
            raise PhotosSyncError(
                f"The destination already holds a backup that this password cannot read "
                f"({problem}); it was encrypted with another password. Nothing was written",
                "Put the password that made it into the 1Password item's encryption_password,"
                " or choose another --bucket/--remote-path",
            )
        if problem is not None:
            try:
                rclone.write_canary()
            except BackupError as error:
                raise BackupError(
                    f"Test write through encryption failed: {error.message}"
                ) from None
    return destination


def _item_for_setup(work: Workspace, kind: str) -> BackupSecrets:
    """The 1Password item, created (with a new encryption password) when there is none."""
    item, vault = work.settings.backup_op_item, work.settings.backup_op_vault
    try:
        return _secrets(work, kind)
    except SecretsError as error:
        if "has no item" not in error.message:
            raise
    create_item(item, vault)
    work.feedback.note(f'Created the 1Password item "{item}" with a new encryption password.')
    try:
        return _secrets(work, kind)
    except SecretsError as error:
        raise SecretsError(
            error.message,
            f'Open "{item}" in 1Password, fill in your B2 application key and bucket, then run '
            "`photos-sync backup setup` again",
        ) from None


@dataclass(frozen=True)
class BackupStatus:
    destination: Destination
    last_complete: str | None
    jobs: list[Job]
    stale: list[Job]
    newest_dump: tuple[str, float] | None = None  # Immich's database dump: name, hours old

    def to_json(self) -> dict[str, object]:
        where = self.destination
        dump = self.newest_dump
        return {
            "destination": {
                "name": where.name,
                "type": where.type,
                "bucket": where.bucket_name,
                "remote_path": where.remote_path,
            },
            "last_complete": self.last_complete,
            "jobs": [job.to_json() for job in self.jobs],
            "stale": [Path(job.source_path).name for job in self.stale],
            "newest_dump": {"name": dump[0], "hours_old": dump[1]} if dump else None,
        }


def backup_status(work: Workspace, name: str) -> BackupStatus:
    connection = open_tracker_read_only(work.settings.tracker_path)
    if connection is None:
        raise PhotosSyncError(
            f"No backup destination named '{name}'", "Run `photos-sync backup setup` first"
        )
    with closing(connection):
        destination = _known(connection, name)
        jobs = backup_jobs.jobs(connection, destination.id)
        last = backup_jobs.last_backup_at(connection, destination.id)
    stale = backup_jobs.stale_jobs(jobs, work.settings.backup_stats_interval)
    immich = work.settings.backup_immich_path
    dump = newest_local_dump(immich) if immich is not None else None
    return BackupStatus(destination, last, jobs, stale, dump)


def reset_destination(work: Workspace, name: str) -> int:
    """Forget every job of a destination; how many."""
    with _destination_lock(work, name) as connection:
        return backup_jobs.reset(connection, _known(connection, name).id)


def _immich_path(work: Workspace) -> Path:
    immich = work.settings.backup_immich_path
    if immich is None:
        raise ConfigError("BACKUP_IMMICH_PATH is not set", "Set it to Immich's data folder")
    return immich


def _guard(work: Workspace, allow: bool) -> DeletionGuard:
    return DeletionGuard(
        percent=work.settings.backup_max_delete_percent,
        files=work.settings.backup_max_delete_files,
        allow=allow,
        stamp=datetime.now(UTC).strftime("%Y-%m-%dT%H%M%SZ"),
    )


def _refuse_stale(work: Workspace, jobs: list[Job]) -> None:
    stale = backup_jobs.stale_jobs(jobs, work.settings.backup_stats_interval)
    if stale:
        names = ", ".join(
            f"{Path(j.source_path).name} (last update {age(j.last_update)})" for j in stale
        )
        raise PhotosSyncError(
            f"Found {len(stale)} stale job(s): {names}",
            "Resume with `backup --force`, or start over with --reset",
        )


def back_up(
    work: Workspace, name: str, *, dry_run: bool, force: bool, allow_deletions: bool
) -> list[JobResult]:
    """One run: a fresh database dump when the key may ask for one, then every folder's
    job, resumed where an interrupted run left it; recorded in ``runs`` like a sync, so
    ``status``, the report and ``schedule status`` show how the night's backup went."""
    immich = _immich_path(work)
    with (
        _destination_lock(work, name) as connection,
        recorded_run(connection, "backup", enabled=not dry_run) as run,
    ):
        results = _back_up_locked(
            work, connection, name, immich, dry_run=dry_run, force=force, allow=allow_deletions
        )
        failed = {
            Path(r.job.source_path).name: r.error or r.status
            for r in results
            if r.status != "COMPLETED"
        }
        run.finish("failed" if failed else "ok", {"destination": name, "failed": failed})
    return results


def _back_up_locked(
    work: Workspace,
    connection: sqlite3.Connection,
    name: str,
    immich: Path,
    *,
    dry_run: bool,
    force: bool,
    allow: bool,
) -> list[JobResult]:
    """The run itself, the destination locked."""
    destination = _known(connection, name)
    rclone = _rclone_for(work, destination)
    problem = _canary_problem(rclone)
    if problem is not None:
        raise BackupError(
            f"Backup refused: {problem}", "Check the 1Password item's encryption_password"
        )
    if not dry_run:
        fresh_dump(work, immich)
    existing = backup_jobs.jobs(connection, destination.id)
    if not force:
        _refuse_stale(work, existing)
    running = [j.id for j in existing if j.status == "RUNNING"]
    backup_jobs.interrupt(connection, running)  # we hold the lock: nobody runs them
    jobs = backup_jobs.ensure_jobs(
        connection, destination.id, sources(immich, work.settings.data_dir)
    )
    if not dry_run:
        snapshot(connection, work.settings.data_dir / rc.SNAPSHOT)
    log = work.settings.data_dir / "backup.log"
    create_private_file(log)  # the latest run only; it lists file names
    with work.feedback.meter("Backing up", 0, unit="bytes") as progress:
        seen: dict[str, Stats] = {}  # the syncs run at once: their sum is shown

        def show(folders: str, stats: Stats) -> None:
            seen[folders] = stats
            progress.label = folders
            done = sum(min(s.bytes, s.total_bytes) for s in seen.values())
            progress.update(done, sum(s.total_bytes for s in seen.values()))

        results = run_backup(
            rclone.binary,
            rclone.env,
            jobs,
            connection,
            log,
            dry_run=dry_run,
            max_retries=work.settings.backup_max_retries,
            guard=_guard(work, allow),
            on_stats=show,
        )
    if not dry_run and all(r.status == "COMPLETED" for r in results):
        backup_jobs.finished(connection, destination.id)
    return results


def _files(source: str) -> list[tuple[str, int]]:
    """The source's files the backup holds, with their sizes (what --verify samples)."""
    root = Path(source)
    return [
        (str(p.relative_to(root)), p.stat().st_size)
        for p in sorted(root.rglob("*"))
        if p.is_file() and not rc.left_out(p.relative_to(root))
    ]


def _checked(check: Callable[[], str | None]) -> tuple[bool, str | None]:
    """(passed, what rclone said) of a check whose failure is a finding, not the end."""
    try:
        return True, check()
    except BackupError as error:
        return False, error.message


@dataclass(frozen=True)
class FolderCheck:
    folder: str
    complete: bool  # rclone cryptcheck found every file
    summary: str
    compared: int  # files downloaded and compared
    large: int  # of them, too large for B2 to checksum
    read_back: bool  # every file read back was the same
    note: str | None  # what the read-back said (a difference, or "nothing to download")

    @property
    def ok(self) -> bool:
        return self.complete and self.read_back

    def to_json(self) -> dict[str, object]:
        return {"ok": self.ok, **dataclasses.asdict(self)}


def verify_backup(work: Workspace, name: str, sample: float) -> list[FolderCheck]:
    """Prove every file is in the backup, and read a sample back (a different slice each
    day, and every file too large for the remote to checksum)."""
    immich = _immich_path(work)
    with _destination_lock(work, name) as connection:
        rclone = _rclone_for(work, _known(connection, name))
    rotation = datetime.now(UTC).timetuple().tm_yday
    found = []
    for source, _ in sources(immich, work.settings.data_dir):
        remote = remote_for(source)
        complete, summary = _checked(partial(rclone.cryptcheck, source, remote))
        chosen, large = choose(_files(source), sample, rotation)
        same, note = _checked(partial(rclone.download_compare, source, remote, chosen))
        found.append(
            FolderCheck(Path(source).name, complete, summary or "", len(chosen), large, same, note)
        )
    return found


@dataclass(frozen=True)
class RestoreOutcome:
    into: Path
    proven: bool  # every restored file checked against the backup
    summary: str
    originals: tuple[int, int] | None  # (intact, imported by photos-sync), when checked
    marks: list[str] = field(default_factory=list)  # folder marks made for Immich's checks

    @property
    def ok(self) -> bool:
        return self.proven and (self.originals is None or self.originals[0] == self.originals[1])

    def to_json(self) -> dict[str, object]:
        originals = self.originals
        return {
            "ok": self.ok,
            "into": str(self.into),
            "proven": self.proven,
            "summary": self.summary,
            "originals": {"intact": originals[0], "imported": originals[1]} if originals else None,
            "marks": self.marks,
        }


def inside_backup(path: str) -> str:
    """``restore --path`` as a folder of the backup (``library``, ``upload/admin``), ""
    for all of it. A path that climbs out (``..``) would have the restore write beside
    ``--to`` instead of into it: refused before anything is written."""
    parts = PurePosixPath(path.strip().strip("/")).parts
    if ".." in parts:
        raise ConfigError(
            f"--path {path!r} leaves the backup's folders",
            "Name a folder inside the backup, e.g. --path library or --path upload",
        )
    return "/".join(part for part in parts if part != ".")


def restore(work: Workspace, target: Path, source: str, path: str, force: bool) -> RestoreOutcome:
    """Copy the backup back, decrypting it, then check every restored file against it and
    (for the library) every original photos-sync imported against its recorded SHA-1."""
    path = inside_backup(path)
    busy = target.exists() and any(target.iterdir())
    if busy and not force:
        raise PhotosSyncError(f"{target} is not empty", "Choose an empty folder, or --force")
    target.mkdir(parents=True, exist_ok=True)
    with _destination_lock(work, source) as connection:
        rclone = _rclone_for(work, _known(connection, source))
    remote = f"{CRYPT_ROOT}{path}"
    into = target / path if path else target
    into.mkdir(parents=True, exist_ok=True)  # an empty folder in the backup restores as one
    whole = not path
    rclone.copy_back(remote, into, whole)
    _private(target / DATA_FOLDER)
    # Into an empty folder, every file there came from the backup: the check compares the
    # two sides whole. Into a busy one, only what the backup holds is compared.
    held = rclone.listing(remote, whole) if busy else None
    check = partial(rclone.cryptcheck, str(into), remote, only=held, whole=whole)
    proven, summary = _checked(check)
    originals = None
    if path in ("", "library"):
        originals = _originals_intact(work, target)
    marks = _mark_rebuilt_folders(target) if whole else []
    return RestoreOutcome(into, proven, summary or "", originals, marks)


def _private(folder: Path) -> None:
    """photos-sync's own restored files (the tracker's snapshot names every photo) are the
    owner's alone, as they were in the data folder; rclone writes them as the umask says."""
    if folder.is_dir():
        folder.chmod(0o700)
        for path in folder.rglob("*"):
            path.chmod(0o700 if path.is_dir() else 0o600)


def _mark_rebuilt_folders(target: Path) -> list[str]:
    """The ``.immich`` mark of each folder the backup leaves out (Immich refuses to start
    without them, and rebuilds their contents), as Immich writes it: a time in ms."""
    made = []
    for folder in REBUILT:
        mark = target / folder / ".immich"
        if not mark.exists():
            mark.parent.mkdir(parents=True, exist_ok=True)
            mark.write_text(str(int(time.time() * 1000)))
            made.append(f"{folder}/.immich")
    return made


def restore_drill(work: Workspace, source: str, scratch: Path | None) -> DrillOutcome:
    """``restore --drill``: see :func:`~photos_sync.workflow.database_dump.drill`. A scratch
    folder named with ``--to`` that does not exist yet is made."""
    with _destination_lock(work, source) as connection:
        rclone = _rclone_for(work, _known(connection, source))
    if scratch is not None:
        scratch.mkdir(parents=True, exist_ok=True)
    return drill(rclone, scratch)


def _originals_intact(work: Workspace, target: Path) -> tuple[int, int] | None:
    """How many originals photos-sync put into Immich are among the restored files,
    unchanged (by the SHA-1 the tracker recorded at upload), of how many."""
    connection = open_tracker_read_only(work.settings.tracker_path)
    if connection is None:
        return None
    with closing(connection):
        wanted = imported_sha1s(connection)
    if not wanted:
        return None
    found = {
        sha1_of(p)[0]
        for folder in ("library", "upload")
        for p in (target / folder).rglob("*")
        if p.is_file()
    }
    return len(wanted & found), len(wanted)

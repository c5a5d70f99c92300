"""What ``backup`` and ``restore`` show."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from photos_sync.backup.batches import remote_for
from photos_sync.backup.runner import JobResult
from photos_sync.workflow.backup import BackupStatus, FolderCheck, RestoreOutcome, age
from photos_sync.workflow.database_dump import DrillOutcome


def backup_results(results: list[JobResult], console: Console, dry_run: bool) -> None:
    for result in results:
        folder = Path(result.job.source_path).name
        detail = f": {result.error}" if result.error else ""
        line = (
            f"{folder}: {result.error}"
            if result.refused
            else f"{folder} -> {remote_for(result.job.source_path)}: {result.status}{detail}"
        )
        console.print(line, markup=False)
    if dry_run:
        console.print("Dry run: nothing was transferred (see the log for what would be).")


def backup_status(status: BackupStatus, console: Console) -> None:
    where = status.destination
    console.print(
        f"Destination {where.name} ({where.type}, {where.bucket_name}): "
        f"last complete backup {age(status.last_complete)}",
        markup=False,
    )
    for job in status.jobs:
        held = (
            f"{job.files_in_backup:,} files in the backup; "
            if job.files_in_backup is not None
            else ""
        )
        console.print(
            f"  {Path(job.source_path).name}: {job.status}, {held}the last run sent "
            f"{job.files_transferred:,} files ({job.bytes_transferred / 1e6:,.1f} MB),"
            f" updated {age(job.last_update)}"
            + (f", {job.error_message}" if job.error_message else ""),
            markup=False,
        )
    for job in status.stale:
        console.print(
            f"WARNING: stale job {Path(job.source_path).name}: last update "
            f"{age(job.last_update)}; `backup --force` resumes it",
            markup=False,
        )
    if status.newest_dump is None:
        console.print("WARNING: no database dump of Immich to back up (backups/ is empty)")
    else:
        name, hours = status.newest_dump
        console.print(f"  Newest database dump: {name}, {hours:.0f} h old", markup=False)


def backup_checks(folders: list[FolderCheck], console: Console) -> None:
    for folder in folders:
        how = f"; read back and compared {folder.compared} files ({folder.large} large)"
        problem = f": {folder.note}" if folder.note else ""
        console.print(
            f"{'✓' if folder.ok else '✗'} {folder.folder}: {folder.summary}{how}{problem}",
            markup=False,
        )


def restored(outcome: RestoreOutcome, console: Console) -> None:
    console.print(
        f"Restored into {outcome.into}; checked against the backup: {outcome.summary}",
        markup=False,
    )
    if outcome.marks:
        console.print(
            f"Made {', '.join(outcome.marks)}: Immich checks each folder's mark at start, "
            "and makes thumbnails and encoded videos again (run its jobs for missing files)",
            markup=False,
        )
    if outcome.originals is not None:
        intact, wanted = outcome.originals
        gap = f"; {wanted - intact:,} missing or changed" if intact < wanted else ""
        console.print(
            f"Immich originals imported by photos-sync: {intact:,} of {wanted:,} restored "
            f"intact{gap}",
            markup=False,
        )


def drilled(outcome: DrillOutcome, console: Console) -> None:
    age = f", {outcome.dump_age_hours:.0f} h old" if outcome.dump_age_hours is not None else ""
    console.print(
        f"Database dump {outcome.dump}{age}: decompressed, {outcome.tables} tables, "
        f"{outcome.assets:,} assets",
        markup=False,
    )
    outside = f" ({outcome.outside:,} outside Immich's folder)" if outcome.outside else ""
    console.print(
        f"Originals in the backup with the size the dump records: {outcome.found:,} of "
        f"{outcome.assets - outcome.outside:,}{outside}",
        markup=False,
    )
    for label, paths in (("missing", outcome.missing), ("of another size", outcome.wrong_size)):
        if paths:
            shown = ", ".join(paths[:5]) + (", ..." if len(paths) > 5 else "")
            console.print(f"✗ {len(paths):,} {label}: {shown}", markup=False)
    verdict = "✓ The backup can bring Immich back" if outcome.ok else "✗ The backup is incomplete"
    console.print(
        f"{verdict} (drill took {outcome.seconds:.1f} s). A real restore: docs/backup.md, "
        '"Restoring Immich from the backup".',
        markup=False,
    )

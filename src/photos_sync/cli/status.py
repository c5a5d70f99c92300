"""``photos-sync status``: what is in the library, what is tracked, what is left."""

from __future__ import annotations

from contextlib import closing

import typer
from rich.console import Console
from rich.table import Table

from photos_sync.cli.state import state_of
from photos_sync.source.catalog import CatalogEntry
from photos_sync.status import BackupSummary, StatusReport, build_status
from photos_sync.track.assets import TrackedAsset, tracked_assets
from photos_sync.track.backups import backup_summaries
from photos_sync.track.database import open_tracker_read_only
from photos_sync.track.runs import RunRecord, last_run
from photos_sync.workflow import plan_metadata


def _count_table(counts: dict[str, int], skip_zero: bool = False) -> Table:
    table = Table(show_header=False, box=None, padding=(0, 1, 0, 2))
    table.add_column(style="bold")
    table.add_column(justify="right")
    for label, count in counts.items():
        if count or not skip_zero:
            table.add_row(label.replace("_", " "), f"{count:,}")
    return table


def render(report: StatusReport, console: Console) -> None:
    lib = report.library
    console.print(f"[bold]Library[/] {report.library_path} (Photos {report.photos_version})")
    console.print(
        f"  {lib['assets']:,} assets: {lib['photos']:,} photos, {lib['videos']:,} videos"
        f" ({lib['hidden']:,} hidden, {lib['in_trash']:,} more in the trash)"
    )
    if report.originals_lost:
        console.print(
            "  [red]It has no originals folder: none of its files can be imported."
            " Mount its disk or copy the whole library again.[/]"
        )
    if report.not_scanned:
        console.print(
            f"  [yellow]{report.not_scanned:,} new or changed since the last scan;"
            " run `photos-sync reclassify` to classify them[/]"
        )
    console.print()
    console.print("[bold]Special kinds[/] (scanned assets)")
    console.print(_count_table(report.subtypes, skip_zero=True))
    console.print("[bold]Tracker[/]")
    console.print(_count_table(report.tracker))
    console.print()
    left = report.to_import
    console.print(
        f"[bold]Left to import[/] {left['assets']:,}: {left['pending']:,} not yet tried,"
        f" {left['failed']:,} failed, {left['skipped']:,} skipped;"
        f" {left['icloud_only']:,} only in iCloud, {left['missing']:,} with the file missing"
    )
    if report.metadata_pending:
        work = ", ".join(f"{n:,} {k.replace('_', ' ')}" for k, n in report.metadata_pending.items())
        console.print(f"[yellow]Metadata not yet in Immich: {work}; `photos-sync sync` sends it[/]")
    if report.gone_from_library:
        console.print(
            f"[yellow]{report.gone_from_library:,} tracked assets are gone from the library;"
            " `photos-sync cleanup` marks them archived[/]"
        )
    if report.problems:
        console.print("[bold]Problems[/] (`photos-sync review` shows them)")
        for reason, count in report.problems:
            console.print(f"  {count:,}  {reason}")
    console.print()
    run = report.last_run
    if run is None:
        console.print("[bold]Last run[/] none yet")
    else:
        console.print(
            f"[bold]Last run[/] {run.command}, started {run.started_at},"
            f" {run.outcome or 'unknown'}"
            + (f", finished {run.finished_at}" if run.finished_at else "")
        )
    if report.backups:
        for backup in report.backups:
            jobs = (
                ", ".join(f"{n} {s.lower()}" for s, n in sorted(backup.jobs.items())) or "no jobs"
            )
            console.print(
                f"[bold]Backup[/] {backup.name} ({backup.type}): last backup"
                f" {backup.last_backup_at or 'never'}; {jobs}"
            )
    else:
        console.print("[bold]Backup[/] not configured")


def status(
    ctx: typer.Context,
    json_output: bool = typer.Option(False, "--json", help="Print the status as JSON."),
) -> None:
    """Show what is in the library, what has been imported, and what is left to do.

    Fast on large libraries: it reads only Photos' own tables and the tracker, and can run
    while an import is in progress.
    """
    state = state_of(ctx)
    library = state.open_library()
    entries: list[CatalogEntry] = library.entries()
    tracked: dict[str, TrackedAsset] = {}
    run: RunRecord | None = None
    backups: list[BackupSummary] = []
    connection = open_tracker_read_only(state.settings.tracker_path)
    pending: dict[str, int] = {}
    if connection is not None:
        with closing(connection):
            tracked = tracked_assets(connection)
            run = last_run(connection)
            backups = backup_summaries(connection)
            pending = {k: n for k, n in plan_metadata(library, connection).counts().items() if n}
    report = build_status(
        str(library.path),
        library.catalog.photos_version,
        entries,
        tracked,
        run,
        backups,
        originals_lost=library.originals_lost(),
    )
    report.metadata_pending.update(pending)
    if json_output:
        state.print_json(report.to_json())
    else:
        render(report, state.out)


def register(app: typer.Typer) -> None:
    app.command("status")(status)

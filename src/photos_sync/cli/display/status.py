"""What ``status`` shows: the library, the tracker, what is left, the selection, the last
run and the backups."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from photos_sync.cli.display.lists import counted
from photos_sync.source.records import SUBTYPE_LABELS
from photos_sync.workflow.status import StatusReport


def _count_table(counts: dict[str, int], skip_zero: bool = False) -> Table:
    table = Table(show_header=False, box=None, padding=(0, 1, 0, 2))
    table.add_column(style="bold")
    table.add_column(justify="right")
    for label, count in counts.items():
        if count or not skip_zero:
            table.add_row(label.replace("_", " "), f"{count:,}")
    return table


def status(report: StatusReport, console: Console) -> None:
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
    if any(report.subtypes.values()):
        console.print("[bold]Special kinds[/] (scanned assets)")
        labelled = {SUBTYPE_LABELS[name]: n for name, n in report.subtypes.items()}
        console.print(_count_table(labelled, skip_zero=True))
    else:
        console.print(
            "[bold]Special kinds:[/] none counted yet (the first import, or"
            " `photos-sync reclassify`, reads them)"
        )
    console.print("[bold]Tracker[/]")
    console.print(_count_table(report.tracker))
    console.print()
    left = report.to_import
    console.print(
        f"[bold]Left to import[/] {left['assets']:,}: {left['pending']:,} not yet tried,"
        f" {left['failed']:,} failed, {left['skipped']:,} skipped;"
        f" {left['icloud_only']:,} only in iCloud, {left['missing']:,} with the file missing"
    )
    if report.left_out or report.selection != "the whole library":
        console.print("[bold]Selection[/] ", end="")
        console.print(
            f"{report.selection}: {report.left_out:,} not imported are left out by it (not"
            " tried, not failed); --whole-library takes everything",
            markup=False,
        )
    follows = {
        "keep": "kept in Immich",
        "archive": "archived in Immich",
        "trash": "moved to Immich's trash",
    }[report.deletions]
    console.print(f"[bold]Deleted in Photos[/] {follows} (--deletions {report.deletions})")
    if report.recently_deleted:
        console.print(
            f"  {report.recently_deleted:,} imported assets are in Photos' Recently Deleted"
        )
    if report.ignored:
        console.print(f"[bold]Ignored by you[/] {report.ignored:,} (`photos-sync ignore --undo`)")
    if report.metadata_pending:
        work = ", ".join(f"{n:,} {k.replace('_', ' ')}" for k, n in report.metadata_pending.items())
        console.print(f"[yellow]Metadata not yet in Immich: {work}; `photos-sync sync` sends it[/]")
    if report.faces_need_edits:
        photos = counted(len(report.faces_need_edits), "edited photo has", "edited photos have")
        console.print(
            f"[yellow]{photos} named faces that Photos shows on the edit: they"
            " are placed on the edited copy, uploaded with `--with-edits` (for photos already"
            " imported: `photos-sync import --with-edits --again UUID...`, the UUIDs in"
            " `status --json`, faces_need_edits)[/]"
        )
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
        if run.log_file:
            console.print(f"  its log: {run.log_file}", markup=False)
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

"""What the looking commands show: status, reclassify, review, verify, doctor."""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.table import Table

from photos_sync.cli.display.lists import EXAMPLES, MAX_LISTED, more
from photos_sync.plan.verify import FIXABLE, Finding
from photos_sync.workflow.doctor import Check
from photos_sync.workflow.review import Group
from photos_sync.workflow.scan import ScanResult
from photos_sync.workflow.status import StatusReport


def verify(findings: list[Finding], checked: int, console: Console) -> None:
    if not findings:
        console.print(f"All {checked:,} imported assets are on the server as recorded.")
        return
    counts = Counter(f.problem for f in findings)
    console.print(f"{len(findings):,} differences among {checked:,} imported assets:")
    for problem, count in counts.most_common():
        repair = " (--fix repairs it)" if problem in FIXABLE else ""
        console.print(f"  {count:,}: {problem.value}{repair}")
    for finding in findings[:MAX_LISTED]:
        console.print(
            f"    {finding.filename} ({finding.uuid}): {finding.problem.value}", markup=False
        )
    if len(findings) > MAX_LISTED:
        console.print(f"    … and {len(findings) - MAX_LISTED:,} more (--json lists all)")


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


def scan(result: ScanResult, console: Console, dry_run: bool) -> None:
    verb = "Would record" if dry_run else "Recorded"
    console.print(
        f"Scanned {result.in_library:,} assets: read {result.read:,},"
        f" {result.unchanged:,} unchanged since the last scan."
    )
    if result.new:
        kinds = Counter(kind for c in result.changes if c.new for kind in c.differences)
        summary = ", ".join(f"{n:,} {kind}" for kind, n in kinds.most_common())
        console.print(
            f"{verb} {result.new:,} new assets as pending" + (f" ({summary})." if summary else ".")
        )
    changed = [c for c in result.changes if not c.new]
    if changed:
        console.print(f"{verb} changes to {len(changed):,} assets:")
        for change in changed[:MAX_LISTED]:
            console.print(
                f"  {change.filename} ({change.uuid}): {', '.join(change.differences)}",
                markup=False,
            )
        more(console, MAX_LISTED, len(changed))
    if not result.changes:
        console.print("No subtype changes.")
    if result.gone:
        console.print(
            f"{len(result.gone):,} tracked assets are no longer in the library;"
            " `photos-sync cleanup` marks them archived."
        )
    if dry_run:
        console.print("Dry run: nothing was written.")


def review(groups: list[Group], console: Console) -> None:
    if not groups:
        console.print("No problem assets: nothing failed, nothing was skipped.")
        return
    total = sum(len(g.assets) for g in groups)
    console.print(f"{total:,} problem assets, by reason:")
    for entry in groups:
        console.print(f"\n[bold]{len(entry.assets):,} {entry.status.value}[/]: ", end="")
        console.print(entry.reason, markup=False)
        for asset in entry.assets[:EXAMPLES]:
            console.print(
                f"    {asset.filename}, taken {asset.asset_created_at} ({asset.uuid})",
                markup=False,
            )
        if len(entry.assets) > EXAMPLES:
            console.print(f"    … and {len(entry.assets) - EXAMPLES:,} more")


def checks(found: list[Check], console: Console) -> None:
    """One line per check: ✓/✗/!, what was found, and the fix."""
    for check in found:
        line = f"{check.symbol} {check.name}: {check.detail}"
        if check.fix:
            line += f" — {check.fix}"
        console.print(line, markup=False)

"""What the looking commands show: status, reclassify, review, verify, doctor."""

from __future__ import annotations

from collections import Counter

from rich.console import Console

from photos_sync.cli.display.lists import EXAMPLES, MAX_LISTED, more
from photos_sync.plan.verify import FIXABLE, Finding
from photos_sync.workflow.checks import Check
from photos_sync.workflow.review import Group
from photos_sync.workflow.scan import ScanResult


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

"""What importing commands show: plans, summaries, metadata sent, repairs, cleanup."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from photos_sync.cli import interrupt
from photos_sync.cli.display.lists import MAX_LISTED, counted, metadata_counts, more
from photos_sync.plan.cleanup import CleanupPlan
from photos_sync.plan.importing import ImportPlan
from photos_sync.plan.metadata import MetadataPlan
from photos_sync.upload.importer import ImportSummary
from photos_sync.upload.repair import RepairSummary
from photos_sync.workflow.importing import ImportOutcome


def import_plan(plan: ImportPlan, console: Console) -> None:
    live = sum(1 for task in plan.tasks if task.paired_video is not None)
    console.print(
        f"Would upload {counted(len(plan.tasks), 'asset')} ({live:,} of them Live Photos)."
    )
    for task in plan.tasks[:20]:
        console.print(f"  {task.filename} ({task.uuid})", markup=False)
    more(console, 20, len(plan.tasks))
    if plan.skips:
        console.print(f"Would skip {len(plan.skips):,}:")
        reasons: dict[str, int] = {}
        for skip in plan.skips:
            reasons[skip.reason] = reasons.get(skip.reason, 0) + 1
        for reason, count in sorted(reasons.items(), key=lambda item: -item[1]):
            console.print(f"  {count:,} {reason}", markup=False)
    if plan.deferred:
        console.print(f"Left for a later run by --limit: {plan.deferred:,}.")
    left_out(plan, console)
    console.print("Dry run: nothing was uploaded or recorded.")


def left_out(plan: ImportPlan, console: Console) -> None:
    if plan.left_out:
        console.print(
            f"Left out by your selection: {plan.left_out:,} not yet imported "
            "(`status` shows the selection; --whole-library takes everything)."
        )


def import_summary(summary: ImportSummary, console: Console, again: str = "import") -> None:
    table = Table(title="Import", title_justify="left", show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column(justify="right")
    table.add_row("uploaded", f"{summary.uploaded:,}")
    table.add_row("already in Immich (recorded)", f"{summary.already_in_immich:,}")
    table.add_row("Live Photos linked", f"{summary.live_photos_linked:,}")
    if summary.people_created or summary.faces_sent:
        table.add_row("people made in Immich", f"{summary.people_created:,}")
        table.add_row("named faces sent with the files", f"{summary.faces_sent:,}")
    table.add_row("skipped", f"{sum(summary.skipped.values()):,}")
    table.add_row("failed", f"{sum(summary.failed.values()):,}")
    table.add_row("sent", f"{summary.bytes_sent / 1e6:,.1f} MB in {summary.seconds:,.1f} s")
    console.print(table)
    for title, reasons in (("Skipped", summary.skipped), ("Failed", summary.failed)):
        for reason, count in reasons.most_common():
            console.print(f"  {title}: {count:,}: {reason}", markup=False)
    if summary.deferred:
        console.print(f"Left for a later run by --limit: {summary.deferred:,}.")
    if summary.interrupted:
        console.print(
            f"Interrupted ({interrupt.stopped_by()}): the rest is still pending; run "
            f"`photos-sync {again}` again to continue.",
            markup=False,
        )


def metadata(plan: MetadataPlan, console: Console) -> None:
    counts = {name: n for name, n in plan.counts().items() if n}
    deferred = counts.pop("deferred_to_next_run", 0)
    if deferred:
        console.print(
            f"Immich was still busy with {counted(deferred, 'asset')} (reading a new upload, "
            "or rewriting its sidecar for an earlier change): the rest of their changes "
            "follow on the next sync."
        )
    if counts:
        console.print(f"Photos metadata sent to Immich: {metadata_counts(counts)}.")
    else:
        console.print("Photos metadata: Immich is up to date.")


def pending_metadata(plan: MetadataPlan, console: Console) -> None:
    console.print(f"Metadata to send for assets already imported: {plan.counts()}")


def repairs(summary: RepairSummary, console: Console) -> None:
    console.print(
        f"Live Photos linked to a video already in Immich: {summary.linked_existing:,}; "
        f"motion videos uploaded and linked: {summary.uploaded_and_linked:,}; "
        f"Cinematic sidecars kept: {summary.sidecars_kept:,}."
    )
    if summary.not_in_library:
        console.print(
            f"  {summary.not_in_library:,} could not be repaired: the part is not on disk in "
            "the Photos library."
        )
    for problem, count in summary.problems.most_common():
        console.print(f"  failed: {count:,}: {problem}", markup=False)


def cleanup(plan: CleanupPlan, console: Console, dry_run: bool) -> None:
    verb = "Would mark" if dry_run else "Marked"
    console.print(
        f"{verb} {counted(len(plan.archive), 'asset')} archived (deleted from Photos, kept in"
        " Immich)."
    )
    for asset in plan.archive[:MAX_LISTED]:
        console.print(
            f"  {asset.filename} ({asset.uuid}), taken {asset.asset_created_at}", markup=False
        )
    more(console, MAX_LISTED, len(plan.archive))
    for what, count in plan.in_immich.items():
        console.print(f"In Immich: {what.replace('_', ' ')} {count:,}.")
    if plan.forget:
        verb = "Would forget" if dry_run else "Forgot"
        gone = counted(len(plan.forget), "deleted asset that was", "deleted assets that were")
        console.print(f"{verb} {gone} never imported.")
    if dry_run:
        console.print("Dry run: nothing was changed.")


def import_outcome(outcome: ImportOutcome, console: Console) -> None:
    """What ``import`` and ``review --retry`` show: the plan of a dry run, else the summary
    and the metadata sent."""
    if outcome.summary is None:
        import_plan(outcome.plan, console)
        return
    import_summary(outcome.summary, console)
    left_out(outcome.plan, console)
    if outcome.metadata is not None:
        metadata(outcome.metadata, console)

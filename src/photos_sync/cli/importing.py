"""``photos-sync import``: put the library's new assets into Immich."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from photos_sync.cli.interrupt import stop_on_interrupt
from photos_sync.cli.progress import meter
from photos_sync.cli.state import state_of
from photos_sync.errors import ImmichAuthError, ImmichRejected
from photos_sync.immich.client import ImmichClient
from photos_sync.inventory import scan_library
from photos_sync.plan.importing import (
    HiddenAs,
    ImportPlan,
    candidate_from_asset,
    candidate_from_row,
    merge_candidates,
    plan_import,
)
from photos_sync.track.assets import imported_uuids, not_imported_rows
from photos_sync.track.runs import finish_run, start_run
from photos_sync.upload.importer import AssetResult, Importer, ImportSummary

NEEDED_TO_IMPORT = ("asset.upload", "asset.update")
CLOUD_DOWNLOADS_POSSIBLE = False  # iCloud downloads need the macOS Photos bridge (to come)
EXIT_FAILURES = 1
EXIT_INTERRUPTED = 130


def check_key(client: ImmichClient, console: Console) -> None:
    """Refuse to start with a key that cannot upload, naming what it lacks."""
    try:
        missing = client.my_api_key().missing(NEEDED_TO_IMPORT)
    except ImmichRejected:  # servers before 1.139 have no /api-keys/me; the upload will tell
        return
    if missing:
        raise ImmichAuthError(
            f"The API key lacks {', '.join(missing)}, which import needs",
            "Edit the key in Immich (Account Settings > API Keys) or create one with 'all'",
        )


def render_plan(plan: ImportPlan, console: Console) -> None:
    live = sum(1 for task in plan.tasks if task.paired_video is not None)
    console.print(f"Would upload {len(plan.tasks):,} assets ({live:,} of them Live Photos).")
    for task in plan.tasks[:20]:
        console.print(f"  {task.filename} ({task.uuid})")
    if len(plan.tasks) > 20:
        console.print(f"  … and {len(plan.tasks) - 20:,} more (--json lists all)")
    if plan.skips:
        console.print(f"Would skip {len(plan.skips):,}:")
        reasons: dict[str, int] = {}
        for skip in plan.skips:
            reasons[skip.reason] = reasons.get(skip.reason, 0) + 1
        for reason, count in sorted(reasons.items(), key=lambda item: -item[1]):
            console.print(f"  {count:,} {reason}")
    if plan.deferred:
        console.print(f"Left for a later run by --limit: {plan.deferred:,}.")
    console.print("Dry run: nothing was uploaded or recorded.")


def render_summary(summary: ImportSummary, console: Console) -> None:
    table = Table(title="Import", title_justify="left", show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column(justify="right")
    table.add_row("uploaded", f"{summary.uploaded:,}")
    table.add_row("already in Immich (recorded)", f"{summary.already_in_immich:,}")
    table.add_row("Live Photos linked", f"{summary.live_photos_linked:,}")
    table.add_row("skipped", f"{sum(summary.skipped.values()):,}")
    table.add_row("failed", f"{sum(summary.failed.values()):,}")
    table.add_row("sent", f"{summary.bytes_sent / 1e6:,.1f} MB in {summary.seconds:,.1f} s")
    console.print(table)
    for title, reasons in (("Skipped", summary.skipped), ("Failed", summary.failed)):
        for reason, count in reasons.most_common():
            console.print(f"  {title}: {count:,}: {reason}")
    if summary.deferred:
        console.print(f"Left for a later run by --limit: {summary.deferred:,}.")
    if summary.interrupted:
        console.print("Interrupted: the rest is still pending; run import again to continue.")


def import_assets(
    ctx: typer.Context,
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Show what would be uploaded and skipped; change nothing."
    ),
    include_cloud: bool = typer.Option(
        False,
        "--include-cloud",
        help="Also import assets whose originals are only in iCloud, downloading them first "
        "(macOS only; elsewhere they are recorded as skipped).",
    ),
    skip_local_check: bool = typer.Option(
        False,
        "--skip-local-check",
        help="Do not sort out iCloud-only or missing files before starting; each is found "
        "(and recorded as skipped) when its turn comes.",
    ),
    limit: int = typer.Option(
        0, "--limit", min=0, help="Upload at most N assets this run (0 = no limit)."
    ),
    concurrency: int = typer.Option(
        1, "--concurrency", min=1, max=32, help="Uploads in flight at once."
    ),
    delay: float = typer.Option(
        5.0,
        "--delay",
        min=0.0,
        help="Seconds between iCloud downloads, to be gentle with iCloud (local files are "
        "not delayed).",
    ),
    hidden_as: HiddenAs = typer.Option(
        HiddenAs.ARCHIVE,
        "--hidden-as",
        help="Where photos hidden in Photos go: archive (default), locked (Immich's locked "
        "folder: an API key cannot read them afterwards), or skip.",
    ),
    json_output: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Upload the library's new assets to Immich, nothing twice, nothing lost.

    Files already on the server (an earlier run, the Immich phone app) are found by checksum
    and recorded, not sent again. Live Photos arrive linked, Cinematic sidecars are kept in
    the data folder, dates and favorites come from Photos. Safe to interrupt and re-run.
    """
    state = state_of(ctx)
    out = state.err if json_output else state.out
    if include_cloud and not CLOUD_DOWNLOADS_POSSIBLE:
        state.err.print(
            "--include-cloud needs macOS Photos to download originals; iCloud-only assets "
            "will be recorded as skipped."
        )
    if hidden_as is HiddenAs.LOCKED:
        state.err.print(
            "Hidden photos go to Immich's locked folder: an API key cannot read or update "
            "them afterwards (favorites, albums and repairs will not reach them)."
        )
    library = state.open_library()
    client = state.immich_client()
    with client, state.tracker("import") as connection:
        version = client.server_version()
        out.print(f"Immich {version} at {client.base_url}")
        check_key(client, state.err)
        scan = scan_library(library, connection, dry_run=dry_run)
        candidates = [candidate_from_row(row) for row in not_imported_rows(connection)]
        if dry_run:  # the scan was not saved: plan from the tracker and the fresh scan
            scanned = [
                candidate_from_asset(asset, modified)
                for asset, modified in scan.scanned
                if not asset.in_trash
            ]
            candidates = merge_candidates(candidates, scanned, imported_uuids(connection))
        plan = plan_import(
            candidates,
            include_cloud=include_cloud,
            downloads_possible=CLOUD_DOWNLOADS_POSSIBLE,
            check_local=not skip_local_check,
            hidden_as=hidden_as,
            limit=limit,
        )
        if dry_run:
            if json_output:
                state.print_json({"dry_run": True, **plan.to_json()})
            else:
                render_plan(plan, out)
            return
        run_id = start_run(connection, "import")
        with (
            stop_on_interrupt(state.err) as stop,
            meter(state.err, "Importing", len(plan.tasks), with_bytes=True) as progress,
        ):

            def report(result: AssetResult) -> None:
                progress.advance(1, result.bytes_sent)

            importer = Importer(
                client,
                connection,
                state.settings.data_dir / "sidecars",
                concurrency=concurrency,
                delay=delay,
                report=report,
                stop=stop,
            )
            try:
                summary = importer.run(plan)
            except ImmichAuthError:
                finish_run(connection, run_id, "stopped", {"reason": "API key refused"})
                raise
        outcome = "interrupted" if summary.interrupted else ("ok" if summary.ok else "failures")
        finish_run(connection, run_id, outcome, summary.to_json())
    if json_output:
        state.print_json(summary.to_json())
    else:
        render_summary(summary, out)
    if summary.interrupted:
        raise typer.Exit(EXIT_INTERRUPTED)
    if not summary.ok:
        raise typer.Exit(EXIT_FAILURES)


def register(app: typer.Typer) -> None:
    app.command("import")(import_assets)

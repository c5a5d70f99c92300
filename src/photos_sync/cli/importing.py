"""``photos-sync import``: put the library's new assets into Immich (and its repairs).

Also home of what every importing command shares: connecting (version, key check), running
a plan with progress and Ctrl-C handling, and printing plans and summaries.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from photos_sync.cli import options as opt
from photos_sync.cli.interrupt import stop_on_interrupt
from photos_sync.cli.progress import meter
from photos_sync.cli.state import AppState, state_of
from photos_sync.errors import ImmichAuthError, ImmichRejected
from photos_sync.immich import permissions
from photos_sync.immich.client import ImmichClient
from photos_sync.plan.choices import Choices
from photos_sync.plan.fidelity import FidelityOptions, FidelityPlan
from photos_sync.plan.importing import HiddenAs, ImportPlan
from photos_sync.source import bridge as bridges
from photos_sync.source.bridge import PhotosBridge
from photos_sync.track.runs import recorded_run
from photos_sync.upload.importer import AssetResult, ImportSummary
from photos_sync.upload.repair import (
    RepairSummary,
    paired_video_tasks,
    repair_cinematic,
    repair_paired_videos,
)
from photos_sync.workflow import (
    ImportOptions,
    check_server,
    metadata_options,
    plan_library_import,
    run_import,
    settle_choices,
    sync_metadata,
    with_choices,
)

NEEDED_TO_IMPORT = permissions.IMPORT
EXIT_FAILURES = 1
EXIT_INTERRUPTED = 130


def check_key(client: ImmichClient, needed: tuple[str, ...] = NEEDED_TO_IMPORT) -> None:
    """Refuse to start with a key that cannot do the work, naming what it lacks."""
    try:
        missing = client.my_api_key().missing(needed)
    except ImmichRejected:  # servers before 1.139 have no /api-keys/me; requests will tell
        return
    if missing:
        raise ImmichAuthError(
            f"The API key lacks {', '.join(missing)}, which this command needs",
            "Edit the key in Immich (Account Settings > API Keys) or create one with 'all'",
        )


def connect(client: ImmichClient, out: Console, needed: tuple[str, ...] = NEEDED_TO_IMPORT) -> None:
    """Read the server's version once, say who we talk to, and check the key."""
    version = client.server_version()
    warning = version.support()
    out.print(f"Immich {version} at {client.display_url}")
    if warning:
        typer.echo(f"Warning: {warning}.", err=True)
    check_key(client, needed)


def bind(
    client: ImmichClient, connection: sqlite3.Connection, options: ImportOptions, out: Console
) -> None:
    """The tracker must belong to this server (a dry run with --rebind changes nothing)."""
    if options.dry_run and options.rebind:
        return
    note = check_server(client, connection, options.rebind)
    if note:
        out.print(note)


def bridge_for(options: ImportOptions) -> PhotosBridge | None:
    """The Photos bridge, when iCloud downloads are asked for and this is a Mac."""
    return bridges.photos_bridge() if options.include_cloud else None


def warn_about_options(state: AppState, options: ImportOptions) -> None:
    if options.include_cloud and bridges.photos_bridge() is None:
        state.err.print(
            "--include-cloud needs macOS Photos to download originals; iCloud-only assets "
            "will be recorded as skipped."
        )
    if options.hidden_as is HiddenAs.LOCKED:
        state.err.print(
            "Hidden photos go to Immich's locked folder: an API key cannot read or update "
            "them afterwards (favorites, albums and repairs will not reach them)."
        )


def execute_import(
    state: AppState,
    connection: sqlite3.Connection,
    client: ImmichClient,
    plan: ImportPlan,
    options: ImportOptions,
    bridge: PhotosBridge | None = None,
) -> ImportSummary:
    """Run a plan with a progress meter; Ctrl-C finishes what is in flight, then stops."""
    with (
        stop_on_interrupt(state.err) as stop,
        meter(state.err, "Importing", len(plan.tasks), with_bytes=True) as progress,
    ):

        def report(result: AssetResult) -> None:
            progress.advance(1, result.bytes_sent)

        return run_import(
            client,
            connection,
            plan,
            options,
            state.settings.data_dir / "sidecars",
            report,
            stop,
            bridge,
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


def exit_for(summary: ImportSummary) -> None:
    if summary.interrupted:
        raise typer.Exit(EXIT_INTERRUPTED)
    if not summary.ok:
        raise typer.Exit(EXIT_FAILURES)


def outcome_of(summary: ImportSummary) -> str:
    return "interrupted" if summary.interrupted else ("ok" if summary.ok else "failures")


def _repair(state: AppState, paired: bool, cinematic: bool, limit: int, json_output: bool) -> None:
    out = state.err if json_output else state.out
    summary = RepairSummary()
    with state.tracker("import --repair") as connection:
        if cinematic:
            repair_cinematic(connection, state.settings.data_dir / "sidecars", summary)
        if paired:
            with state.immich_client() as client:
                connect(client, out, permissions.REPAIR)
                tasks = paired_video_tasks(connection, only_unlinked=False, limit=limit)
                repair_paired_videos(client, connection, tasks, summary)
    render_repairs(summary, out, state, json_output)
    if summary.problems:
        raise typer.Exit(EXIT_FAILURES)


def render_repairs(
    summary: RepairSummary, out: Console, state: AppState, json_output: bool
) -> None:
    if json_output:
        state.print_json(summary.to_json())
        return
    out.print(
        f"Live Photos linked to a video already in Immich: {summary.linked_existing:,}; "
        f"motion videos uploaded and linked: {summary.uploaded_and_linked:,}; "
        f"Cinematic sidecars kept: {summary.sidecars_kept:,}."
    )
    if summary.not_in_library:
        out.print(
            f"  {summary.not_in_library:,} could not be repaired: the part is not on disk in "
            "the Photos library."
        )
    for problem, count in summary.problems.most_common():
        out.print(f"  failed: {count:,}: {problem}")


def import_assets(
    ctx: typer.Context,
    dry_run: opt.DryRun = False,
    include_cloud: opt.IncludeCloud = False,
    skip_local_check: opt.SkipLocalCheck = False,
    limit: opt.Limit = 0,
    concurrency: opt.Concurrency = 1,
    delay: opt.Delay = 5.0,
    hidden_as: opt.HiddenAsOption = None,
    album_prefix: opt.AlbumPrefix = None,
    with_edits: opt.WithEdits = None,
    raw_primary: opt.RawPrimary = None,
    people_tags: opt.PeopleTags = None,
    skip_shared: opt.SkipShared = None,
    rebind: opt.Rebind = False,
    repair_paired_videos_flag: bool = typer.Option(
        False,
        "--repair-paired-videos",
        help="Repair instead of importing: link every imported Live Photo to its motion "
        "video, uploading the video only if Immich does not have it already.",
    ),
    repair_cinematic_flag: bool = typer.Option(
        False,
        "--repair-cinematic",
        help="Repair instead of importing: keep the sidecars (AAE, renderings) of imported "
        "Cinematic videos that have none yet.",
    ),
    json_output: opt.Json = False,
) -> None:
    """Upload the library's new assets to Immich, nothing twice, nothing lost.

    Files already on the server (an earlier run, the Immich phone app) are found by checksum
    and recorded, not sent again. Live Photos arrive linked, Cinematic sidecars are kept in
    the data folder, dates and favorites come from Photos. Safe to interrupt and re-run.
    """
    state = state_of(ctx)
    if repair_paired_videos_flag or repair_cinematic_flag:
        _repair(state, repair_paired_videos_flag, repair_cinematic_flag, limit, json_output)
        return
    options = ImportOptions(
        include_cloud=include_cloud,
        skip_local_check=skip_local_check,
        limit=limit,
        concurrency=concurrency,
        delay=delay,
        dry_run=dry_run,
        rebind=rebind,
    )
    given = Choices.named(
        hidden_as, album_prefix, with_edits, raw_primary, people_tags, skip_shared
    )
    run_import_command(state, "import", options, json_output, given, send_metadata=True)


def chosen(
    state: AppState,
    connection: sqlite3.Connection,
    options: ImportOptions,
    given: dict[str, Any],
    out: Console,
) -> tuple[ImportOptions, FidelityOptions]:
    """The options of this run with the data folder's remembered choices (saying what a
    flag given now changed, since it holds for the runs after)."""
    choices, changes = settle_choices(connection, given, options.dry_run)
    if changes:
        out.print(f"Remembered for this data folder: {'; '.join(changes)}.", markup=False)
    options = with_choices(options, choices)
    warn_about_options(state, options)
    return options, metadata_options(choices)


def run_import_command(
    state: AppState,
    command: str,
    options: ImportOptions,
    json_output: bool,
    given: dict[str, Any],
    send_metadata: bool,
) -> None:
    """Plan, then (unless a dry run) upload, send metadata, record the run, print, exit:
    ``import`` and ``review --retry``."""
    out = state.err if json_output else state.out
    library = state.open_library()
    with state.immich_client() as client, state.tracker(command) as connection:
        connect(client, out)
        bind(client, connection, options, out)
        options, fidelity = chosen(state, connection, options, given, out)
        metadata_options = fidelity if send_metadata else None
        bridge = bridge_for(options)
        _, plan = plan_library_import(library, connection, options, bridge)
        if options.dry_run:
            if json_output:
                state.print_json({"dry_run": True, **plan.to_json()})
            else:
                render_plan(plan, out)
            return
        with recorded_run(connection, command) as run:
            summary = execute_import(state, connection, client, plan, options, bridge)
            metadata = (
                sync_metadata(library, connection, client, metadata_options, summary.uploads_began)
                if metadata_options is not None and not summary.interrupted
                else None
            )
            result = {**summary.to_json(), "metadata": metadata.counts() if metadata else None}
            run.finish(outcome_of(summary), result)
    if json_output:
        state.print_json(result)
    else:
        render_summary(summary, out)
        if metadata is not None:
            render_metadata(metadata, out)
    exit_for(summary)


def render_metadata(plan: FidelityPlan, console: Console) -> None:
    counts = {name: n for name, n in plan.counts().items() if n}
    deferred = counts.pop("deferred_to_next_run", 0)
    if deferred:
        console.print(
            f"Immich was still reading {deferred:,} new uploads: their dates, places, "
            "descriptions and tags follow on the next sync."
        )
    if counts:
        sent = ", ".join(f"{n:,} {name.replace('_', ' ')}" for name, n in counts.items())
        console.print(f"Photos metadata sent to Immich: {sent}.")
    else:
        console.print("Photos metadata: Immich is up to date.")


def register(app: typer.Typer) -> None:
    app.command("import")(import_assets)

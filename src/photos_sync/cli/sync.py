"""``photos-sync sync``: the nightly run: import what is new, account for what was deleted."""

from __future__ import annotations

import typer

from photos_sync.cli import options as opt
from photos_sync.cli.cleanup import cleanup_library
from photos_sync.cli.cleanup import render as render_cleanup
from photos_sync.cli.importing import (
    bind,
    bridge_for,
    chosen,
    connect,
    execute_import,
    exit_for,
    outcome_of,
    render_metadata,
    render_plan,
    render_summary,
)
from photos_sync.cli.state import state_of
from photos_sync.plan.choices import Choices
from photos_sync.track.runs import recorded_run
from photos_sync.workflow import ImportOptions, plan_library_import, plan_metadata, sync_metadata


def sync(
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
    json_output: opt.Json = False,
) -> None:
    """Import new assets, bring favorites, descriptions, tags, albums and burst stacks up to
    date, and mark assets deleted from Photos as archived: one run.

    The command to schedule every night. Exit code 0 when all went well, 1 when an asset
    failed, 130 when interrupted; --json prints one summary of both steps.
    """
    state = state_of(ctx)
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
    out = state.err if json_output else state.out
    library = state.open_library()
    with state.immich_client() as client, state.tracker("sync") as connection:
        connect(client, out)
        bind(client, connection, options, out)
        options, metadata_options = chosen(state, connection, options, given, out)
        bridge = bridge_for(options)
        _, plan = plan_library_import(library, connection, options, bridge)
        if dry_run:
            cleaned = cleanup_library(library, connection, dry_run=True, force=False)
            pending = plan_metadata(library, connection, metadata_options).counts()
            if json_output:
                state.print_json(
                    {
                        "dry_run": True,
                        "import": plan.to_json(),
                        "metadata": pending,
                        "cleanup": cleaned.to_json(),
                    }
                )
            else:
                render_plan(plan, out)
                out.print(f"Metadata to send for assets already imported: {pending}")
                render_cleanup(cleaned, out, dry_run=True)
            return
        with recorded_run(connection, "sync") as run:
            summary = execute_import(state, connection, client, plan, options, bridge)
            metadata = sync_metadata(
                library, connection, client, metadata_options, summary.uploads_began
            )
            cleaned = cleanup_library(library, connection, dry_run=False, force=False)
            result = {
                "import": summary.to_json(),
                "metadata": metadata.counts(),
                "cleanup": {"archived": len(cleaned.archive), "forgotten": len(cleaned.forget)},
                "ok": summary.ok,
            }
            run.finish(outcome_of(summary), result)
    if json_output:
        state.print_json(result)
    else:
        render_summary(summary, out)
        render_metadata(metadata, out)
        render_cleanup(cleaned, out, dry_run=False)
    exit_for(summary)


def register(app: typer.Typer) -> None:
    app.command("sync")(sync)

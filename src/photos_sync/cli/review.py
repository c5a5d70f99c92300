"""``photos-sync review``: the assets that failed or were skipped, and what to do with them."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import click

from photos_sync.cli import importing_options as imports
from photos_sync.cli import options as opt
from photos_sync.cli.commands import CONTEXT_SETTINGS
from photos_sync.cli.display import imports as display
from photos_sync.cli.display import library as library_display
from photos_sync.cli.display.lists import counted
from photos_sync.cli.state import AppState, current_state
from photos_sync.logs import KEEP_DAYS, lines_about
from photos_sync.track.assets import AssetStatus, TrackedAsset
from photos_sync.workflow.importing import ImportOptions, import_library
from photos_sync.workflow.review import delete_in_photos, export_document, group, problem_assets


def _delete(state: AppState, chosen: list[TrackedAsset], *, dry_run: bool, yes: bool) -> None:
    def confirm(assets: list[TrackedAsset]) -> bool:
        for asset in assets:
            state.out.print(
                f"  {asset.filename}, taken {asset.asset_created_at} ({asset.uuid})", markup=False
            )
        if dry_run or not assets:
            state.out.print(
                f"Dry run: would move {counted(len(assets), 'asset')} to Recently Deleted."
                if dry_run
                else "Nothing to delete."
            )
            return False
        if not yes and not click.confirm(
            f"Move {'this' if len(assets) == 1 else 'these'} {counted(len(assets), 'asset')}"
            " to Recently Deleted in Photos?"
        ):
            raise click.exceptions.Exit(1)
        return True

    moved = delete_in_photos(chosen, confirm)
    if moved is not None:
        state.out.print(f"Moved {counted(moved, 'asset')} to Recently Deleted in Photos.")


def _retry(state: AppState, options: ImportOptions, json_output: bool) -> None:
    work = state.workspace(json_output)
    outcome = import_library(work, "review --retry", options, {}, send_metadata=False)
    state.show(json_output, outcome.to_json, partial(display.import_outcome, outcome))
    if outcome.summary is not None:
        imports.exit_for(outcome.summary)


@click.command("review", context_settings=CONTEXT_SETTINGS)
@opt.flag("--failed-only", "Only failed assets.")
@opt.flag("--skipped-only", "Only skipped assets.")
@click.option(
    "--export",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help="Write the problem list to FILE as JSON: {version, generated_at, library, "
    "problems: [{uuid, filename, status, reason, media_type, created_at}]}.",
)
@opt.flag("--retry", "Import the failed assets again (the skipped ones with --skipped-only).")
@opt.flag(
    "--delete",
    "Move the problem assets to Photos' Recently Deleted (macOS Photos only; asks first "
    "unless --yes).",
)
@opt.flag("--yes", "Do not ask before --delete.")
@click.option(
    "--log",
    "log_of",
    metavar="UUID",
    help="Show what the kept run logs say about one asset (its Photos UUID).",
)
@opt.dry_run
@opt.include_cloud
@opt.limit
@opt.json_output
def review(
    failed_only: bool,
    skipped_only: bool,
    export: Path | None,
    retry: bool,
    delete: bool,
    yes: bool,
    log_of: str | None,
    dry_run: bool,
    include_cloud: bool,
    limit: int,
    json_output: bool,
) -> None:
    """Show the assets that failed or were skipped, grouped by reason, with examples
    (file name and date, to find them in Photos); export, retry or delete them."""
    state = current_state()
    work = state.workspace(json_output)
    if log_of is not None:
        lines = lines_about(state.settings.data_dir, log_of)
        for line in lines:
            state.out.print(line, markup=False, soft_wrap=True)
        if not lines:
            state.out.print(f"No log line mentions {log_of} (logs are kept {KEEP_DAYS} days).")
        return
    chosen = problem_assets(work, failed_only=failed_only, skipped_only=skipped_only)
    if delete:
        _delete(state, chosen, dry_run=dry_run, yes=yes)
        return
    if retry:
        status = AssetStatus.SKIPPED if skipped_only else AssetStatus.FAILED
        uuids = frozenset(a.uuid for a in chosen if a.status is status)
        options = ImportOptions(
            include_cloud=include_cloud, limit=limit, dry_run=dry_run, only=uuids
        )
        _retry(state, options, json_output)
        return
    library = str(state.settings.photos_library or "")
    if export is not None:
        document = export_document(chosen, library)
        export.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        state.err.print(f"Wrote {len(chosen):,} problem assets to {export}", markup=False)
    state.show(
        json_output,
        lambda: export_document(chosen, library),
        lambda out: library_display.review(group(chosen), out),
    )

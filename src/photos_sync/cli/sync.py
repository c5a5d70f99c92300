"""``photos-sync sync``: the nightly run: import what is new, account for what was deleted."""

from __future__ import annotations

from typing import Any

import click

from photos_sync.cli import importing_options as imports
from photos_sync.cli.commands import CONTEXT_SETTINGS
from photos_sync.cli.display import imports as display
from photos_sync.cli.state import current_state
from photos_sync.workflow.importing import ImportOptions
from photos_sync.workflow.ping import health_pings
from photos_sync.workflow.sync import SyncOutcome, sync_library


@click.command("sync", context_settings=CONTEXT_SETTINGS)
@imports.import_options
def sync(options: ImportOptions, given: dict[str, Any], json_output: bool) -> None:
    """Import new assets, bring favorites, descriptions, tags, albums and burst stacks up to
    date, and mark assets deleted from Photos as archived: one run.

    The command to schedule every night. Exit code 0 when all went well, 1 when an asset
    failed, 130 when interrupted; --json prints one summary of both steps.
    """
    state = current_state()
    url = state.settings.healthcheck_url
    with health_pings(url.get_secret_value() if url else None, "sync") as report:
        outcome = sync_library(state.workspace(json_output), options, given)
        if outcome.summary is not None:
            report.ok, report.line = outcome.summary.ok, one_line(outcome)
    out = state.output(json_output)
    if json_output:
        state.print_json(outcome.to_json())
    elif outcome.summary is None:
        assert outcome.metadata is not None and outcome.cleanup is not None
        display.import_plan(outcome.plan, out)
        display.pending_metadata(outcome.metadata, out)
        display.cleanup(outcome.cleanup, out, dry_run=True)
    else:
        display.import_summary(outcome.summary, out, again="sync")
        display.left_out(outcome.plan, out)
        if outcome.metadata is not None:
            display.metadata(outcome.metadata, out)
        if outcome.cleanup is not None:
            display.cleanup(outcome.cleanup, out, dry_run=False)
    if outcome.summary is not None:
        imports.exit_for(outcome.summary)


def one_line(outcome: SyncOutcome) -> str:
    """The run in one line, for a monitor: counts, and the first failure's reason."""
    summary = outcome.summary
    assert summary is not None
    failed = sum(summary.failed.values())
    first = f" (first: {summary.failed.most_common(1)[0][0]})" if failed else ""
    return (
        f"uploaded {summary.uploaded}, already in Immich {summary.already_in_immich}, "
        f"skipped {sum(summary.skipped.values())}, failed {failed}{first}"
        + (", interrupted" if summary.interrupted else "")
    )

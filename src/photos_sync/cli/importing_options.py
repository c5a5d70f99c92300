"""The options of every importing command (``import``, ``sync``), declared once, and their
exit codes."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import click

from photos_sync.cli import choice_options as choose
from photos_sync.cli import interrupt
from photos_sync.cli import options as opt
from photos_sync.plan.choices import Choices
from photos_sync.upload.importer import ImportSummary
from photos_sync.workflow.importing import ImportOptions

EXIT_FAILURES = 1


def exit_for(summary: ImportSummary) -> None:
    """An import's exit code: 130 when stopped by Ctrl-C (143 by SIGTERM), 1 when an asset
    failed."""
    if summary.interrupted:
        raise click.exceptions.Exit(interrupt.exit_code())
    if not summary.ok:
        raise click.exceptions.Exit(EXIT_FAILURES)


# In the order --help lists them.
IMPORT_OPTIONS = (
    opt.dry_run,
    opt.include_cloud,
    opt.skip_local_check,
    opt.limit,
    opt.concurrency,
    opt.delay,
    opt.hidden_as,
    opt.album_prefix,
    opt.with_edits,
    opt.raw_primary,
    opt.people_tags,
    opt.skip_shared,
    choose.album,
    choose.since,
    choose.until,
    choose.media,
    choose.favorites_only,
    choose.exclude_kind,
    choose.whole_library,
    choose.deletions,
    choose.people,
    choose.people_match_names,
    opt.rebind,
    opt.json_output,
)


def _import_options(
    dry_run: bool,
    include_cloud: bool,
    skip_local_check: bool,
    limit: int,
    concurrency: int,
    delay: float,
    hidden_as: Any,
    album_prefix: str | None,
    with_edits: bool | None,
    raw_primary: bool | None,
    people_tags: bool | None,
    skip_shared: bool | None,
    album: tuple[str, ...],
    since: str | None,
    until: str | None,
    media: str | None,
    favorites_only: bool | None,
    exclude_kind: tuple[str, ...],
    whole_library: bool,
    deletions: str | None,
    people: bool | None,
    people_match_names: bool | None,
    rebind: bool,
    json_output: bool,
) -> tuple[ImportOptions, dict[str, Any], bool]:
    """What the importing options say: what the run does, the choices given now
    (remembered per data folder), and whether to print JSON."""
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
        hidden_as,
        album_prefix,
        with_edits,
        raw_primary,
        people_tags,
        skip_shared,
        album,
        since,
        until,
        media,
        favorites_only,
        exclude_kind,
        deletions,
        people,
        people_match_names,
    )
    return options, {**given, "whole_library": whole_library}, json_output


SHARED = tuple(inspect.signature(_import_options).parameters)
ImportCommand = Callable[..., None]


def import_options(run: ImportCommand) -> ImportCommand:
    """Give a command every importing option: ``run(options, given, json_output, **its
    own options)`` is called with what they say. Stack it below ``@click.command``."""

    @functools.wraps(run)
    def command(**values: Any) -> None:
        options, given, json_output = _import_options(**{n: values.pop(n) for n in SHARED})
        run(options, given, json_output, **values)

    given: Callable[..., Any] = command
    for option in reversed(IMPORT_OPTIONS):
        given = option(given)
    return given

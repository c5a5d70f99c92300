"""The options of every importing command (``import``, ``sync``), declared once, and their
exit codes."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import typer

from photos_sync.cli.choice_options import (
    Album,
    Deletions,
    ExcludeKind,
    FavoritesOnly,
    Media,
    People,
    PeopleMatchNames,
    Since,
    Until,
    WholeLibrary,
)
from photos_sync.cli.options import (
    AlbumPrefix,
    Concurrency,
    Delay,
    DryRun,
    HiddenAsOption,
    IncludeCloud,
    Json,
    Limit,
    PeopleTags,
    RawPrimary,
    Rebind,
    SkipLocalCheck,
    SkipShared,
    WithEdits,
)
from photos_sync.plan.choices import Choices
from photos_sync.upload.importer import ImportSummary
from photos_sync.workflow.importing import ImportOptions

EXIT_FAILURES = 1
EXIT_INTERRUPTED = 130


def exit_for(summary: ImportSummary) -> None:
    """An import's exit code: 130 when interrupted, 1 when an asset failed."""
    if summary.interrupted:
        raise typer.Exit(EXIT_INTERRUPTED)
    if not summary.ok:
        raise typer.Exit(EXIT_FAILURES)


def _import_options(
    dry_run: DryRun = False,
    include_cloud: IncludeCloud = False,
    skip_local_check: SkipLocalCheck = False,
    limit: Limit = 0,
    concurrency: Concurrency = 1,
    delay: Delay = 5.0,
    hidden_as: HiddenAsOption = None,
    album_prefix: AlbumPrefix = None,
    with_edits: WithEdits = None,
    raw_primary: RawPrimary = None,
    people_tags: PeopleTags = None,
    skip_shared: SkipShared = None,
    album: Album = None,
    since: Since = None,
    until: Until = None,
    media: Media = None,
    favorites_only: FavoritesOnly = None,
    exclude_kind: ExcludeKind = None,
    whole_library: WholeLibrary = False,
    deletions: Deletions = None,
    people: People = None,
    people_match_names: PeopleMatchNames = None,
    rebind: Rebind = False,
    json_output: Json = False,
) -> tuple[ImportOptions, dict[str, Any], bool]:
    """The options of every importing command, declared once: what the run does, the
    choices given now (remembered per data folder), and whether to print JSON."""
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


ImportCommand = Callable[..., None]


def import_command(run: ImportCommand) -> ImportCommand:
    """Give a command the importing options: ``run(ctx, options, given, json_output,
    **its own options)`` becomes a typer command taking all of them as flags."""
    shared = inspect.signature(_import_options, eval_str=True).parameters
    own = list(inspect.signature(run, eval_str=True).parameters.values())
    params = [own[0], *shared.values(), *own[4:]]  # ctx, the shared ones, its own

    @functools.wraps(run)
    def command(ctx: typer.Context, **values: Any) -> None:
        options, given, json_output = _import_options(**{n: values.pop(n) for n in shared})
        run(ctx, options, given, json_output, **values)

    command.__signature__ = inspect.Signature(params, return_annotation=None)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in params}
    del command.__wrapped__  # typer must read the signature above, not run's
    return command

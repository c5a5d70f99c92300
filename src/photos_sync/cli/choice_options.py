"""The remembered choices of what goes and what follows (selection, deletions, people),
declared once for the importing commands and cleanup."""

from __future__ import annotations

from datetime import date

import click

from photos_sync.cli.options import REMEMBERED, Option, either, flag
from photos_sync.source.records import KINDS

SELECTED = " Remembered: later runs take the same selection until told otherwise."


def _day(_: click.Context, __: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _media(_: click.Context, __: click.Parameter, value: str | None) -> str | None:
    if value is not None and value not in ("photos", "videos"):
        raise click.BadParameter("use photos or videos")
    return value


def _kinds(_: click.Context, __: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    unknown = [v for v in values if v not in KINDS]
    if unknown:
        raise click.BadParameter(f"unknown kind {unknown[0]!r}; one of: {', '.join(KINDS)}")
    return values


def _deletions(_: click.Context, __: click.Parameter, value: str | None) -> str | None:
    if value is not None and value not in ("keep", "archive", "trash"):
        raise click.BadParameter("use keep, archive or trash")
    return value


album: Option = click.option(
    "--album",
    multiple=True,
    help="Only assets in this Photos album (repeat for more)." + SELECTED,
)
since: Option = click.option(
    "--since", metavar="DATE", callback=_day, help="Only assets taken on or after YYYY-MM-DD."
)
until: Option = click.option(
    "--until", metavar="DATE", callback=_day, help="Only assets taken on or before YYYY-MM-DD."
)
media: Option = click.option(
    "--media",
    metavar="photos|videos",
    callback=_media,
    help="Only photos or only videos.",
)
favorites_only: Option = either(
    "--favorites-only/--not-only-favorites", "Only the assets marked as favorites in Photos."
)
exclude_kind: Option = click.option(
    "--exclude-kind",
    multiple=True,
    metavar="KIND",
    callback=_kinds,
    help="Leave out a special kind, e.g. screenshot, burst, live-photo (repeat for more).",
)
whole_library: Option = flag("--whole-library", "Forget the remembered selection: take everything.")
deletions: Option = click.option(
    "--deletions",
    metavar="keep|archive|trash",
    callback=_deletions,
    help="What a deletion in Photos (Recently Deleted included) does in Immich to what "
    "photos-sync uploaded: keep it (default), archive it, or move it to Immich's trash "
    "(never deleted for good)." + REMEMBERED,
)
people: Option = either(
    "--people/--no-people",
    "Named people of Photos as Immich people, with a face box on each photo they are in "
    "(default on; needs person.create, person.update, face.create, face.delete)." + REMEMBERED,
)
people_match_names: Option = either(
    "--people-match-names/--people-own",
    "Give faces to an existing Immich person of the same name instead of making a new one."
    + REMEMBERED,
)

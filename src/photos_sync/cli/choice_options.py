"""The remembered choices of what goes and what follows (selection, deletions, people),
declared once for the importing commands and cleanup."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from photos_sync.cli.options import REMEMBERED
from photos_sync.source.records import KINDS

SELECTED = " Remembered: later runs take the same selection until told otherwise."


def _day(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _media(value: str | None) -> str | None:
    if value is not None and value not in ("photos", "videos"):
        raise typer.BadParameter("use photos or videos")
    return value


def _kinds(values: list[str] | None) -> list[str] | None:
    unknown = [v for v in values or [] if v not in KINDS]
    if unknown:
        raise typer.BadParameter(f"unknown kind {unknown[0]!r}; one of: {', '.join(KINDS)}")
    return values


Album = Annotated[
    list[str] | None,
    typer.Option("--album", help="Only assets in this Photos album (repeat for more)." + SELECTED),
]
Since = Annotated[
    str | None,
    typer.Option(
        "--since", metavar="DATE", callback=_day, help="Only assets taken on or after YYYY-MM-DD."
    ),
]
Until = Annotated[
    str | None,
    typer.Option(
        "--until", metavar="DATE", callback=_day, help="Only assets taken on or before YYYY-MM-DD."
    ),
]
Media = Annotated[
    str | None,
    typer.Option(
        "--media", metavar="photos|videos", callback=_media, help="Only photos or only videos."
    ),
]
FavoritesOnly = Annotated[
    bool | None,
    typer.Option(
        "--favorites-only/--not-only-favorites",
        help="Only the assets marked as favorites in Photos.",
        show_default=False,
    ),
]
ExcludeKind = Annotated[
    list[str] | None,
    typer.Option(
        "--exclude-kind",
        metavar="KIND",
        callback=_kinds,
        help="Leave out a special kind, e.g. screenshot, burst, live-photo (repeat for more).",
    ),
]
WholeLibrary = Annotated[
    bool,
    typer.Option("--whole-library", help="Forget the remembered selection: take everything."),
]


def _deletions(value: str | None) -> str | None:
    if value is not None and value not in ("keep", "archive", "trash"):
        raise typer.BadParameter("use keep, archive or trash")
    return value


Deletions = Annotated[
    str | None,
    typer.Option(
        "--deletions",
        metavar="keep|archive|trash",
        callback=_deletions,
        help="What a deletion in Photos (Recently Deleted included) does in Immich to what "
        "photos-sync uploaded: keep it (default), archive it, or move it to Immich's trash "
        "(never deleted for good)." + REMEMBERED,
    ),
]

People = Annotated[
    bool | None,
    typer.Option(
        "--people/--no-people",
        help="Named people of Photos as Immich people, with a face box on each photo they are "
        "in (default on; needs person.create, person.update, face.create, face.delete)."
        + REMEMBERED,
        show_default=False,
    ),
]
PeopleMatchNames = Annotated[
    bool | None,
    typer.Option(
        "--people-match-names/--people-own",
        help="Give faces to an existing Immich person of the same name instead of making "
        "a new one." + REMEMBERED,
        show_default=False,
    ),
]

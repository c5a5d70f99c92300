"""Options that several commands share, declared once so they read the same everywhere."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from photos_sync.plan.importing import HiddenAs
from photos_sync.source.records import KINDS

DryRun = Annotated[bool, typer.Option("--dry-run", help="Show what would be done; change nothing.")]
Json = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
IncludeCloud = Annotated[
    bool,
    typer.Option(
        "--include-cloud",
        help="Also take assets whose originals are only in iCloud, downloading them first "
        "(macOS only; elsewhere they are recorded as skipped).",
    ),
]
SkipLocalCheck = Annotated[
    bool,
    typer.Option(
        "--skip-local-check",
        help="Do not sort out iCloud-only or missing files before starting; each is found "
        "(and recorded as skipped) when its turn comes.",
    ),
]
Limit = Annotated[
    int, typer.Option("--limit", min=0, help="Process at most N assets (0 = no limit).")
]
Concurrency = Annotated[
    int, typer.Option("--concurrency", min=1, max=32, help="Uploads in flight at once.")
]
Delay = Annotated[
    float,
    typer.Option(
        "--delay",
        min=0.0,
        help="Seconds between iCloud downloads, to be gentle with iCloud (local files are "
        "not delayed).",
    ),
]
# The choices below are remembered for the data folder: a later run without the flag does
# the same (see plan/choices.py); each help text ends by saying so.
REMEMBERED = " Remembered: later runs do the same until told otherwise."
HiddenAsOption = Annotated[
    HiddenAs | None,
    typer.Option(
        "--hidden-as",
        help="Where photos hidden in Photos go: archive (the first default), locked "
        "(Immich's locked folder: an API key cannot read them afterwards), or skip." + REMEMBERED,
        show_default=False,
    ),
]
AlbumPrefix = Annotated[
    str | None,
    typer.Option(
        "--album-prefix",
        help="Put this before every album name in Immich, e.g. 'Photos: ' (albums are "
        "remembered by id, so changing it renames them)." + REMEMBERED,
        show_default=False,
    ),
]
WithEdits = Annotated[
    bool | None,
    typer.Option(
        "--with-edits/--without-edits",
        help="Also upload Photos' rendering of each edited photo, stacked under its original."
        + REMEMBERED,
        show_default=False,
    ),
]
RawPrimary = Annotated[
    bool | None,
    typer.Option(
        "--raw-primary/--jpeg-primary",
        help="In RAW+JPEG stacks, put the RAW on top instead of the JPEG (Photos' own "
        "per-photo choice is followed either way)." + REMEMBERED,
        show_default=False,
    ),
]
PeopleTags = Annotated[
    bool | None,
    typer.Option(
        "--people-tags/--no-people-tags",
        help="Tag assets with the people named in Photos, as people/<name> (Immich's own "
        "face recognition runs anyway)." + REMEMBERED,
        show_default=False,
    ),
]
SkipShared = Annotated[
    bool | None,
    typer.Option(
        "--skip-shared/--include-shared",
        help="Leave out assets of an iCloud Shared Library and 'Shared with You' ones "
        "(recorded as skipped, with the reason)." + REMEMBERED,
        show_default=False,
    ),
]
Rebind = Annotated[
    bool,
    typer.Option(
        "--rebind",
        help="Take this Immich server (or user) as the tracker's own when it is not the one "
        "it was filled against: every asset is checked again by checksum, the rest uploaded.",
    ),
]

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

"""Options that several commands share, declared once so they read the same everywhere."""

from __future__ import annotations

from typing import Annotated

import typer

from photos_sync.plan.importing import HiddenAs

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

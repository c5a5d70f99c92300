"""Options that several commands share, declared once so they read the same everywhere.

Each is a click option decorator; a command takes the ones it needs by stacking them
(``@opt.dry_run``), and :mod:`~photos_sync.cli.importing_options` stacks the whole set of
the importing commands.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from photos_sync.plan.importing import HiddenAs

# What an option declared here is: a decorator that gives a command that option.
Option = Callable[[Callable[..., Any]], Callable[..., Any]]


def flag(name: str, help: str, dest: str | None = None) -> Option:
    """An on/off option, off unless given (``dest``: its parameter's name, if not the
    option's)."""
    names = (name, dest) if dest else (name,)
    return click.option(*names, is_flag=True, default=False, help=help)


def either(names: str, help: str) -> Option:
    """A ``--this/--that`` pair, None when neither is given (a remembered choice stays)."""
    return click.option(names, default=None, help=help)


dry_run: Option = flag("--dry-run", "Show what would be done; change nothing.")
json_output: Option = click.option(
    "--json", "json_output", is_flag=True, default=False, help="Print the result as JSON."
)
include_cloud: Option = flag(
    "--include-cloud",
    "Also take assets whose originals are only in iCloud, downloading them first "
    "(macOS only; elsewhere they are recorded as skipped).",
)
skip_local_check: Option = flag(
    "--skip-local-check",
    "Do not sort out iCloud-only or missing files before starting; each is found "
    "(and recorded as skipped) when its turn comes.",
)
limit: Option = click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Process at most N assets (0 = no limit).",
)
concurrency: Option = click.option(
    "--concurrency",
    type=click.IntRange(1, 32),
    default=1,
    show_default=True,
    help="Uploads in flight at once.",
)
delay: Option = click.option(
    "--delay",
    type=click.FloatRange(min=0.0),
    default=5.0,
    show_default=True,
    help="Seconds between iCloud downloads, to be gentle with iCloud (local files are "
    "not delayed).",
)
# The choices below are remembered for the data folder: a later run without the flag does
# the same (see plan/choices.py); each help text ends by saying so.
REMEMBERED = " Remembered: later runs do the same until told otherwise."


def _hidden_as(_: click.Context, __: click.Parameter, value: str | None) -> HiddenAs | None:
    return None if value is None else HiddenAs(value)


hidden_as: Option = click.option(
    "--hidden-as",
    type=click.Choice([choice.value for choice in HiddenAs]),
    callback=_hidden_as,
    help="Where photos hidden in Photos go: archive (the first default), locked "
    "(Immich's locked folder: an API key cannot read them afterwards), or skip." + REMEMBERED,
)
album_prefix: Option = click.option(
    "--album-prefix",
    help="Put this before every album name in Immich, e.g. 'Photos: ' (albums are "
    "remembered by id, so changing it renames them)." + REMEMBERED,
)
with_edits: Option = either(
    "--with-edits/--without-edits",
    "Also upload Photos' rendering of each edited photo, stacked under its original." + REMEMBERED,
)
raw_primary: Option = either(
    "--raw-primary/--jpeg-primary",
    "In RAW+JPEG stacks, put the RAW on top instead of the JPEG (Photos' own per-photo "
    "choice is followed either way)." + REMEMBERED,
)
people_tags: Option = either(
    "--people-tags/--no-people-tags",
    "Tag assets with the people named in Photos, as people/<name> (Immich's own face "
    "recognition runs anyway)." + REMEMBERED,
)
skip_shared: Option = either(
    "--skip-shared/--include-shared",
    "Leave out assets of an iCloud Shared Library and 'Shared with You' ones (recorded as "
    "skipped, with the reason)." + REMEMBERED,
)
rebind: Option = flag(
    "--rebind",
    "Take this Immich server (or user) as the tracker's own when it is not the one it was "
    "filled against: every asset is checked again by checksum, the rest uploaded. Also "
    "takes this Photos library as the tracker's, when Photos rebuilt the same library.",
)

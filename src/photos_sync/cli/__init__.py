"""The ``photos-sync`` command line.

Each command lives in a module of its own, imported when it runs (``cli/commands.py``
names them). ``main`` (``cli/run.py``) is the one place errors are turned into what the
user sees: a known problem is one line on stderr and a non-zero exit; anything else says it
is a bug, with the traceback only under ``--debug``.
"""

from __future__ import annotations

from pathlib import Path

import click

from photos_sync import __version__
from photos_sync.cli.commands import COMMANDS, CONTEXT_SETTINGS, LazyGroup
from photos_sync.cli.run import main, setup_logging
from photos_sync.cli.state import AppState

__all__ = ["app", "main"]


@click.group(
    "photos-sync",
    cls=LazyGroup,
    lazy=COMMANDS,
    context_settings=CONTEXT_SETTINGS,
    no_args_is_help=True,
)
@click.option(
    "--library",
    type=click.Path(path_type=Path),
    help="The Photos library to read (a *.photoslibrary folder). "
    "Default: PHOTOS_LIBRARY, else the Mac's system library.",
)
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    help="Where photos-sync keeps its tracker database, sidecars and logs. "
    "Default: PHOTOS_SYNC_DATA, else your user data folder.",
)
@click.option(
    "--url",
    help="The Immich server, http://host:2283. Default: IMMICH_URL (or IMMICH_INSTANCE_URL). "
    "The API key is never an option (it would show in the process list): IMMICH_API_KEY or "
    "IMMICH_API_KEY_FILE.",
)
@click.option("--debug", is_flag=True, help="Show debug logging and full tracebacks on errors.")
@click.version_option(
    __version__, "--version", prog_name="photos-sync", message="%(prog)s %(version)s"
)
@click.pass_context
def app(
    ctx: click.Context, library: Path | None, data_dir: Path | None, url: str | None, debug: bool
) -> None:
    """Mirror an Apple Photos / iCloud Photos library into Immich, with nothing lost, and
    keep an encrypted offsite backup of it."""
    setup_logging(debug)
    ctx.obj = AppState(
        library=library,
        data_dir=data_dir,
        url=url,
        debug=debug,
        command=ctx.invoked_subcommand or "",
    )

"""The ``photos-sync`` command line.

Each command lives in a module of its own, imported when it runs (``cli/commands.py``
names them). ``main`` (``cli/run.py``)
is the one place errors are turned into what the user sees: a known problem is one line on
stderr and a non-zero exit; anything else says it is a bug, with the traceback only under
``--debug``.
"""

from __future__ import annotations

from pathlib import Path

import typer

from photos_sync import __version__
from photos_sync.cli.commands import APP_SETTINGS, RootGroup
from photos_sync.cli.run import main, setup_logging
from photos_sync.cli.state import AppState

__all__ = ["app", "main"]

app = typer.Typer(
    name="photos-sync",
    help=(
        "Mirror an Apple Photos / iCloud Photos library into Immich, with nothing lost, "
        "and keep an encrypted offsite backup of it."
    ),
    no_args_is_help=True,
    cls=RootGroup,
    **APP_SETTINGS,
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"photos-sync {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    library: Path | None = typer.Option(
        None,
        "--library",
        help="The Photos library to read (a *.photoslibrary folder). "
        "Default: PHOTOS_LIBRARY, else the Mac's system library.",
        show_default=False,
    ),
    data_dir: Path | None = typer.Option(
        None,
        "--data-dir",
        help="Where photos-sync keeps its tracker database, sidecars and logs. "
        "Default: PHOTOS_SYNC_DATA, else your user data folder.",
        show_default=False,
    ),
    debug: bool = typer.Option(
        False, "--debug", help="Show debug logging and full tracebacks on errors."
    ),
    version: bool = typer.Option(
        False,
        "--version",
        callback=_show_version,
        is_eager=True,
        help="Print the version and exit.",
    ),
) -> None:
    setup_logging(debug)
    ctx.obj = AppState(
        library=library, data_dir=data_dir, debug=debug, command=ctx.invoked_subcommand or ""
    )

"""The ``photos-sync`` command line.

Each command lives in a module of its own and is registered here. ``main`` is the one
place errors are turned into what the user sees: a known problem is one line on stderr and
a non-zero exit; anything else says it is a bug, with the traceback only under ``--debug``.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import typer
from typer.exceptions import TyperException

from photos_sync import __version__
from photos_sync.cli import (
    backup,
    cleanup,
    doctor,
    ignore,
    importing,
    reclassify,
    review,
    status,
    sync,
    verify,
)
from photos_sync.cli.state import AppState
from photos_sync.errors import PhotosSyncError, explain_known_failure
from photos_sync.logs import FILE_ONLY, ShownOnTerminal, stop_run_log
from photos_sync.redact import RedactingStream

log = logging.getLogger(__name__)

app = typer.Typer(
    name="photos-sync",
    help=(
        "Mirror an Apple Photos / iCloud Photos library into Immich, with nothing lost, "
        "and keep an encrypted offsite backup of it."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"photos-sync {__version__}")
        raise typer.Exit()


def _setup_logging(debug: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
        force=True,
    )
    for handler in logging.getLogger().handlers:  # the run's own records reach it too
        handler.setLevel(logging.DEBUG if debug else logging.WARNING)
        handler.addFilter(ShownOnTerminal())
    # osxphotos warns about things we report ourselves; the HTTP stack would log headers.
    logging.getLogger("osxphotos").setLevel(logging.DEBUG if debug else logging.ERROR)
    for noisy in ("httpx", "httpcore", "hpack"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


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
    _setup_logging(debug)
    ctx.obj = AppState(
        library=library, data_dir=data_dir, debug=debug, command=ctx.invoked_subcommand or ""
    )


for command in (
    status,
    importing,
    sync,
    cleanup,
    reclassify,
    review,
    verify,
    ignore,
    backup,
    doctor,
):
    command.register(app)


def _debugging() -> bool:
    return "--debug" in sys.argv[1:]


def main() -> None:
    """Console entry point: every byte printed goes through the redaction of secrets."""
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = RedactingStream(stdout), RedactingStream(stderr)
    try:
        _run()
    finally:
        stop_run_log()
        sys.stdout.flush()
        sys.stderr.flush()
        sys.stdout, sys.stderr = stdout, stderr


def _run() -> None:
    """Run the app and turn every failure into one honest line."""
    try:
        result = app(standalone_mode=False)
    except PhotosSyncError as error:
        if _debugging():
            logging.getLogger("photos_sync").exception("error")
        log.error("failed: %s", error.one_line(), extra=FILE_ONLY)
        typer.echo(f"Error: {error.one_line()}", err=True)
        sys.exit(error.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        typer.echo("Interrupted.", err=True)
        sys.exit(130)
    except TyperException as error:  # usage errors: click's own message and exit code 2
        show = getattr(error, "show", None)
        if show is not None:
            show()
        sys.exit(getattr(error, "exit_code", 2))
    except Exception as error:  # a full disk, or a bug: say so plainly, details when asked
        known = explain_known_failure(error)
        if known is not None:
            if _debugging():
                logging.getLogger("photos_sync").exception("known failure")
            typer.echo(f"Error: {known}", err=True)
            sys.exit(1)
        if _debugging():
            raise
        log.error("unexpected error", exc_info=True, extra=FILE_ONLY)
        typer.echo(
            f"Unexpected error: {type(error).__name__}: {error}. "
            "Run again with --debug for details, and please report it.",
            err=True,
        )
        sys.exit(1)
    sys.exit(result if isinstance(result, int) else 0)

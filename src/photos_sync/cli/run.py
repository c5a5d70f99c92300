"""The console entry point: logging set up, every byte printed redacted, every failure
turned into one honest line (the one place errors are printed)."""

from __future__ import annotations

import logging
import sys

import click

from photos_sync.cli import interrupt
from photos_sync.errors import PhotosSyncError, explain_known_failure
from photos_sync.logs import FILE_ONLY, ShownOnTerminal, stop_run_log
from photos_sync.redact import RedactingStream

log = logging.getLogger(__name__)


def setup_logging(debug: bool) -> None:
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


def _debugging() -> bool:
    return "--debug" in sys.argv[1:]


def main() -> None:
    """Console entry point: every byte printed goes through the redaction of secrets."""
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = RedactingStream(stdout), RedactingStream(stderr)
    interrupt.install()
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
        from photos_sync.cli import app

        result = app.main(prog_name="photos-sync", standalone_mode=False)
    except PhotosSyncError as error:
        if _debugging():
            logging.getLogger("photos_sync").exception("error")
        log.error("failed: %s", error.one_line(), extra=FILE_ONLY)
        click.echo(f"Error: {error.one_line()}", err=True)
        sys.exit(error.exit_code)
    except (click.Abort, KeyboardInterrupt):
        click.echo(f"Interrupted ({interrupt.stopped_by()}); run it again to continue.", err=True)
        sys.exit(interrupt.exit_code())
    except click.ClickException as error:  # usage errors: click's own message and exit 2
        error.show()
        sys.exit(error.exit_code)
    except Exception as error:  # a full disk, or a bug: say so plainly, details when asked
        known = explain_known_failure(error)
        if known is not None:
            if _debugging():
                logging.getLogger("photos_sync").exception("known failure")
            click.echo(f"Error: {known}", err=True)
            sys.exit(1)
        if _debugging():
            raise
        log.error("unexpected error", exc_info=True, extra=FILE_ONLY)
        click.echo(
            f"Unexpected error: {type(error).__name__}: {error}. "
            "Run again with --debug for details, and please report it.",
            err=True,
        )
        sys.exit(1)
    sys.exit(result if isinstance(result, int) else 0)

"""``photos-sync report``: the migration as one HTML page to look at."""

from __future__ import annotations

import os
import tempfile
import webbrowser
from pathlib import Path

import typer

from photos_sync.cli.state import state_of
from photos_sync.report.render import render
from photos_sync.workflow.report import build_report

REPORT_NAME = "report.html"


def _write(path: Path, text: str) -> None:
    """Whole or not at all: a page cut short by a kill would mislead."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".report-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def report(
    ctx: typer.Context,
    out: Path | None = typer.Option(
        None, "--out", help=f"Where to write the page. Default: <data folder>/{REPORT_NAME}."
    ),
    open_it: bool = typer.Option(False, "--open", help="Open the page in your browser."),
) -> None:
    """Write one self-contained HTML page of the migration: the library per year, special
    kinds, problem assets with a picture each, albums, backups and the last runs. No
    server, no network: it opens anywhere, even from a USB stick."""
    state = state_of(ctx)
    work = state.workspace()
    target = out or state.settings.photos_sync_data / REPORT_NAME
    data = build_report(work)
    _write(target, render(data))
    state.out.print(
        f"Report written: {target} ({data.status.library['assets']:,} assets, "
        f"{data.problem_total:,} problems)",
        markup=False,
    )
    if open_it:
        webbrowser.open(target.resolve().as_uri())


def register(app: typer.Typer) -> None:
    app.command("report")(report)

"""``photos-sync report``: the migration as one HTML page to look at."""

from __future__ import annotations

import webbrowser
from pathlib import Path

import click

from photos_sync.cli import options as opt
from photos_sync.cli.commands import CONTEXT_SETTINGS
from photos_sync.cli.state import current_state
from photos_sync.errors import ConfigError
from photos_sync.files import write_whole
from photos_sync.report.render import render
from photos_sync.workflow.report import build_report

REPORT_NAME = "report.html"


def report_path(out: Path | None, data: Path) -> Path:
    """Where the page goes: ``--out`` (a folder given gets ``report.html`` in it), else the
    data folder. A folder that is not there is refused rather than made: a typo would
    otherwise leave the page where nobody looks."""
    if out is None:
        return data / REPORT_NAME
    if out.is_dir():
        return out / REPORT_NAME
    parent = out.parent
    if parent.exists() and not parent.is_dir():
        raise ConfigError(f"--out {out}: {parent} is not a folder", "Give a path in a folder")
    if not parent.exists():
        raise ConfigError(
            f"--out {out}: there is no folder {parent}", "Make the folder first, or give another"
        )
    return out


@click.command("report", context_settings=CONTEXT_SETTINGS)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help=f"Where to write the page. Default: <data folder>/{REPORT_NAME}.",
)
@click.option("--open", "open_it", is_flag=True, help="Open the page in your browser.")
@opt.json_output
def report(out: Path | None, open_it: bool, json_output: bool) -> None:
    """Write one self-contained HTML page of the migration: the library per year, special
    kinds, problem assets with a picture each, albums, backups and the last runs. No
    server, no network: it opens anywhere, even from a USB stick."""
    state = current_state()
    work = state.workspace(json_output)
    target = report_path(out, state.settings.photos_sync_data)
    data = build_report(work)
    write_whole(target, render(data))
    assets, problems = data.status.library["assets"], data.problem_total
    if json_output:
        state.print_json({"report": str(target), "assets": assets, "problems": problems})
    else:
        state.out.print(
            f"Report written: {target} ({assets:,} assets, {problems:,} problems)",
            markup=False,
        )
    if open_it:
        webbrowser.open(target.resolve().as_uri())

"""The report page from :class:`~photos_sync.workflow.report.ReportData`: Jinja2 with
autoescaping on (file names and album titles are the user's own text), charts as CSS, no
JavaScript, every picture inlined."""

from __future__ import annotations

from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

if TYPE_CHECKING:  # the data comes from workflow/, which imports this floor
    from photos_sync.workflow.report import ReportData


def _thousands(value: int) -> str:
    return f"{value:,}"


def _size(count: int) -> str:
    value = float(count)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000:
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1000
    return f"{value:,.1f} TB"


def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("photos_sync.report", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(
        thousands=_thousands,
        size=_size,
        basename=lambda p: PurePath(p).name,
        from_home=_from_home,
    )
    return environment


def glance(data: ReportData) -> list[tuple[str, str, int, str]]:
    """(the status --json key, label, count, tone) of each card at the top."""
    status = data.status
    failed = status.tracker["failed"]
    return [
        ("library.assets", "in the library", status.library["assets"], ""),
        ("library.photos", "photos", status.library["photos"], ""),
        ("library.videos", "videos", status.library["videos"], ""),
        ("tracker.imported", "imported", status.tracker["imported"], "good"),
        ("to_import.assets", "left to import", status.to_import["assets"], ""),
        ("tracker.skipped", "skipped", status.tracker["skipped"], ""),
        ("tracker.failed", "failed", failed, "bad" if failed else ""),
        ("left_out_by_selection", "left out by your selection", status.left_out, ""),
        ("ignored", "ignored by you", status.ignored, ""),
    ]


def _from_home(path: str) -> str:
    """A path in the user's home as ``~/…``: shorter, and the page may be shared."""
    home = Path.home()
    return f"~/{Path(path).relative_to(home)}" if Path(path).is_relative_to(home) else path


def render(data: ReportData) -> str:
    values: dict[str, Any] = {name: getattr(data, name) for name in data.__dataclass_fields__}
    return _environment().get_template("report.html.j2").render(**values, glance=glance(data))

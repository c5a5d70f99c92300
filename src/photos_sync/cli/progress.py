"""How the work's feedback is shown: notes and warnings as lines, progress as a rich bar on
a terminal or a plain line now and then otherwise, Ctrl-C as "finish, then stop"."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich import filesize
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from photos_sync.cli.interrupt import stop_on_interrupt

PLAIN_EVERY_SECONDS = 10.0


class Meter:
    """Counts items (and bytes) done; shown as a bar or as occasional plain lines. ``unit``:
    what the counts are, "items", "bytes" (shown as sizes) or "seconds" (of a wait)."""

    def __init__(
        self,
        console: Console,
        label: str,
        total: int,
        bar: Progress | None,
        unit: str = "items",
    ) -> None:
        self.console = console
        self.label = label
        self.unit = unit
        self.total = total
        self.done = 0
        self.bytes = 0
        self._bar = bar
        self._task = bar.add_task(label, total=total) if bar else None
        self._last_line = time.monotonic()

    def set_total(self, total: int) -> None:
        self.total = total
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, total=total)

    def update(self, done: int, total: int) -> None:
        """Set the position outright (for progress reported as totals, e.g. rclone bytes)."""
        self.set_total(total)
        self.advance(done - self.done)

    def advance(self, items: int = 1, nbytes: int = 0) -> None:
        self.done += items
        self.bytes += nbytes
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, completed=self.done)
            return
        now = time.monotonic()
        if now - self._last_line >= PLAIN_EVERY_SECONDS or self.done == self.total:
            self._last_line = now
            self.console.print(f"{self.label}: {self.position()}", markup=False)

    def position(self) -> str:
        """Where the work stands, in words: "12/300, 45.1 MB", "203.0 MB of 1.1 GB"."""
        if self.unit == "bytes":
            return f"{filesize.decimal(self.done)} of {filesize.decimal(self.total)}"
        if self.unit == "seconds":
            return f"{self.done:,} s (gives up after {self.total:,} s)"
        mb = f", {self.bytes / 1e6:,.1f} MB" if self.bytes else ""
        return f"{self.done:,}/{self.total:,}{mb}"


def _columns(unit: str, with_bytes: bool) -> list[str | ProgressColumn]:
    """The bar's columns: items counted (with the bytes they carry), bytes as sizes, or the
    seconds of a wait against its limit."""
    columns: list[str | ProgressColumn] = ["[progress.description]{task.description}", BarColumn()]
    if unit == "seconds":
        return [*columns, TextColumn("{task.completed:.0f} s, gives up after {task.total:.0f} s")]
    if unit == "items":
        columns.append(MofNCompleteColumn())
    if with_bytes or unit == "bytes":
        columns += [DownloadColumn(), TransferSpeedColumn()]
    return [*columns, TimeElapsedColumn(), TimeRemainingColumn()]


@contextmanager
def meter(
    console: Console,
    label: str,
    total: int,
    *,
    enabled: bool = True,
    with_bytes: bool = False,
    unit: str = "items",
) -> Iterator[Meter]:
    """A :class:`Meter`; a bar when ``console`` is a terminal, plain lines otherwise."""
    if not enabled:
        yield Meter(Console(quiet=True), label, total, None, unit)
        return
    if not console.is_terminal:
        yield Meter(console, label, total, None, unit)
        return
    with Progress(*_columns(unit, with_bytes), console=console, transient=True) as bar:
        yield Meter(console, label, total, bar, unit)


class ConsoleFeedback:
    """The work's :class:`~photos_sync.workflow.feedback.Feedback`, shown on the terminal:
    notes on ``out`` (stderr when stdout carries JSON), warnings and progress on ``err``."""

    def __init__(self, out: Console, err: Console) -> None:
        self.out = out
        self.err = err

    def note(self, text: str) -> None:
        self.out.print(text, markup=False)

    def warn(self, text: str) -> None:
        self.err.print(text, markup=False)

    @contextmanager
    def meter(
        self, label: str, total: int, *, with_bytes: bool = False, unit: str = "items"
    ) -> Iterator[Meter]:
        with meter(self.err, label, total, with_bytes=with_bytes, unit=unit) as progress:
            yield progress

    @contextmanager
    def interruptible(self, what: str = "the uploads") -> Iterator[threading.Event]:
        with stop_on_interrupt(self.err, what) as stop:
            yield stop

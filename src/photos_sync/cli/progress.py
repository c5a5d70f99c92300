"""How the work's feedback is shown: notes and warnings as lines, progress as a rich bar on
a terminal or a plain line now and then otherwise, Ctrl-C as "finish, then stop"."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from photos_sync.cli.interrupt import stop_on_interrupt

PLAIN_EVERY_SECONDS = 10.0


class Meter:
    """Counts items (and bytes) done; shown as a bar or as occasional plain lines."""

    def __init__(self, console: Console, label: str, total: int, bar: Progress | None) -> None:
        self.console = console
        self.label = label
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
            mb = f", {self.bytes / 1e6:,.1f} MB" if self.bytes else ""
            self.console.print(f"{self.label}: {self.done:,}/{self.total:,}{mb}")


@contextmanager
def meter(
    console: Console, label: str, total: int, *, enabled: bool = True, with_bytes: bool = False
) -> Iterator[Meter]:
    """A :class:`Meter`; a bar when ``console`` is a terminal, plain lines otherwise."""
    if not enabled:
        yield Meter(Console(quiet=True), label, total, None)
        return
    if not console.is_terminal:
        yield Meter(console, label, total, None)
        return
    columns: list[str | ProgressColumn] = [
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
    ]
    if with_bytes:
        columns += [DownloadColumn(), TransferSpeedColumn()]
    columns += [TimeElapsedColumn(), TimeRemainingColumn()]
    with Progress(*columns, console=console, transient=True) as bar:
        yield Meter(console, label, total, bar)


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
    def meter(self, label: str, total: int, *, with_bytes: bool = False) -> Iterator[Meter]:
        with meter(self.err, label, total, with_bytes=with_bytes) as progress:
            yield progress

    @contextmanager
    def interruptible(self) -> Iterator[threading.Event]:
        with stop_on_interrupt(self.err) as stop:
            yield stop

"""How the work tells the person at the terminal what is going on, without printing.

The CLI gives a :class:`Feedback` that prints (``cli/progress.py``); the work calls it. Notes
and warnings also go to the run's log file.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

log = logging.getLogger(__name__)


class Meter(Protocol):
    """Counts items (and bytes) of long work."""

    label: str

    def advance(self, items: int = 1, nbytes: int = 0) -> None: ...

    def update(self, done: int, total: int) -> None: ...


class Feedback(Protocol):
    def note(self, text: str) -> None:
        """A line worth showing (on stderr when stdout carries JSON)."""

    def warn(self, text: str) -> None:
        """A line the user must see, always on stderr."""

    def meter(
        self, label: str, total: int, *, with_bytes: bool = False
    ) -> AbstractContextManager[Meter]:
        """Progress of long work: a bar on a terminal, a line now and then otherwise."""

    def interruptible(self) -> AbstractContextManager[threading.Event]:
        """An event set by the first Ctrl-C: finish what is in flight, then stop."""


class _QuietMeter:
    def __init__(self, label: str) -> None:
        self.label = label

    def advance(self, items: int = 1, nbytes: int = 0) -> None:
        pass

    def update(self, done: int, total: int) -> None:
        pass


class Quiet:
    """Feedback that only logs: for work run from code (benchmarks, tests)."""

    def note(self, text: str) -> None:
        log.info(text)

    def warn(self, text: str) -> None:
        log.warning(text)

    @contextmanager
    def meter(self, label: str, total: int, *, with_bytes: bool = False) -> Iterator[Meter]:
        yield _QuietMeter(label)

    @contextmanager
    def interruptible(self) -> Iterator[threading.Event]:
        yield threading.Event()

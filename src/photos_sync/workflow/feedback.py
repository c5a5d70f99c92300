"""How the work tells the person at the terminal what is going on, without printing.

The CLI gives a :class:`Feedback` that prints (``cli/progress.py``); the work calls it, and
logs what matters for the run's log file itself.
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager
from typing import Protocol


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
        self, label: str, total: int, *, with_bytes: bool = False, unit: str = "items"
    ) -> AbstractContextManager[Meter]:
        """Progress of long work: a bar on a terminal, a line now and then otherwise.
        ``unit``: what is counted, "items", "bytes" or "seconds" (of a bounded wait)."""

    def interruptible(self, what: str = "the uploads") -> AbstractContextManager[threading.Event]:
        """An event set by the first Ctrl-C or SIGTERM: finish ``what`` is in flight (said
        so), then stop; a second one stops at once."""

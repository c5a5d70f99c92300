"""Stopping long work from outside: Ctrl-C (SIGINT) and SIGTERM, what systemd and launchd
send on stop or shutdown, are one thing.

During uploads the first one sets an event the workers check: what is in flight finishes
and is recorded, then the run stops; a second one aborts at once. Anywhere else either one
raises :class:`Interrupted` (a ``KeyboardInterrupt``), which ends the recorded run as
interrupted and is printed in one line (``cli/run.py``). The exit code says which signal it
was: 130 for Ctrl-C, 143 for SIGTERM, as a shell reports them.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from rich.console import Console

STOPPING = (signal.SIGINT, signal.SIGTERM)
_received: list[int] = []  # the signals that stopped this run, first first


class Interrupted(KeyboardInterrupt):
    """The run was stopped by a signal."""


def exit_code() -> int:
    """The exit code of a stopped run: 128 and the number of the signal that stopped it."""
    return 128 + (_received[0] if _received else signal.SIGINT)


def stopped_by() -> str:
    """The signal that stopped the run, as a person knows it."""
    return "SIGTERM" if _received[:1] == [signal.SIGTERM] else "Ctrl-C"


def _raise(signum: int, frame: FrameType | None) -> None:
    _received.append(signum)
    raise Interrupted


def install() -> None:
    """SIGTERM like Ctrl-C for the whole run (the main thread only holds handlers)."""
    _received.clear()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _raise)


@contextmanager
def stop_on_interrupt(console: Console, what: str = "the uploads") -> Iterator[threading.Event]:
    """While entered, the first Ctrl-C or SIGTERM sets the event (and says so) instead of
    raising: the work stops once ``what`` is in flight has ended."""
    stop = threading.Event()

    def handle(signum: int, frame: FrameType | None) -> None:
        _received.append(signum)
        if stop.is_set():
            raise Interrupted
        stop.set()
        console.print(
            f"Stopping ({stopped_by()}) after {what} in flight (again to stop at once)..."
        )

    if threading.current_thread() is not threading.main_thread():
        yield stop  # signals reach only the main thread; nothing to install
        return
    previous = {signum: signal.signal(signum, handle) for signum in STOPPING}
    try:
        yield stop
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)

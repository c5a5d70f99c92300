"""Reading rclone's JSON log (``--use-json-log --stats 1s``): progress and events. Pure.

Every stderr line is one JSON object; those with a ``stats`` key are progress, the rest are
events (``Copied (new)``, errors). Anything else (a Go panic, early plain text) is ignored.
Through crypt, ``bytes`` counts ciphertext and can exceed ``totalBytes``: the percentage is
clamped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from photos_sync.track.backup_jobs import Progress


@dataclass(frozen=True)
class Stats:
    bytes: int
    total_bytes: int
    transfers: int
    total_transfers: int
    speed: float
    errors: int
    # The files on their way (name within the synced root, bytes so far): with several
    # folders in one sync, each folder's share of the progress is told by name.
    transferring: tuple[tuple[str, int], ...] = ()

    def progress(self) -> Progress:
        """What the tracker keeps of it."""
        return Progress(
            self.total_bytes, self.bytes, self.total_transfers, self.transfers, self.speed
        )

    @property
    def percent(self) -> float:
        if self.total_bytes <= 0:
            return 0.0
        return max(0.0, min(100.0, 100.0 * self.bytes / self.total_bytes))


@dataclass(frozen=True)
class Event:
    level: str
    message: str
    object: str | None
    size: int = 0  # of the file, on the lines about one


def _number(value: Any, kind: type[int] | type[float]) -> Any:
    try:
        return kind(value) if value is not None else kind(0)
    except (TypeError, ValueError, OverflowError):
        return kind(0)


def _in_flight(value: Any) -> tuple[tuple[str, int], ...]:
    if not isinstance(value, list):
        return ()
    return tuple(
        (entry["name"], _number(entry.get("bytes"), int))
        for entry in value
        if isinstance(entry, dict) and isinstance(entry.get("name"), str)
    )


def parse_line(line: str) -> Stats | Event | None:
    """One line of rclone's stderr, or None when it is not a JSON log line."""
    try:
        record = json.loads(line)
    except ValueError:
        return None
    if not isinstance(record, dict):
        return None
    stats = record.get("stats")
    if isinstance(stats, dict):
        return Stats(
            bytes=_number(stats.get("bytes"), int),
            total_bytes=_number(stats.get("totalBytes"), int),
            transfers=_number(stats.get("transfers"), int),
            total_transfers=_number(stats.get("totalTransfers"), int),
            speed=_number(stats.get("speed"), float),
            errors=_number(stats.get("errors"), int),
            transferring=_in_flight(stats.get("transferring")),
        )
    message = record.get("msg")
    if not isinstance(message, str):
        return None
    obj = record.get("object")
    size = _number(record.get("size"), int)
    return Event(str(record.get("level", "")), message, obj if isinstance(obj, str) else None, size)

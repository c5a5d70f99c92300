"""The double's clock, as Immich writes its timestamps (UTC, milliseconds, ``Z``)."""

from __future__ import annotations

from datetime import UTC, datetime


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")

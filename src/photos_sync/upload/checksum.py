"""SHA-1 of a file, read once in chunks: Immich's dedupe key."""

from __future__ import annotations

import hashlib
from pathlib import Path

CHUNK = 1024 * 1024


def sha1_of(path: Path) -> tuple[str, int]:
    """(hex digest, size in bytes), reading the file once in bounded memory."""
    digest = hashlib.sha1()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size

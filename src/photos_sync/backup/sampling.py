"""Which files ``backup verify`` downloads and compares byte for byte. Pure logic.

cryptcheck proves a file by its checksum, but B2 keeps no SHA-1 for files uploaded in parts
(above its 200 MiB cutoff), so those are always downloaded and compared. Of the rest, a
sample is: each run a different slice (the rotation), so over 100/PCT runs every file has
been read back once.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

LARGE_FILE_CUTOFF = 200 * 1024 * 1024  # B2's default upload cutoff


def choose(
    files: Iterable[tuple[str, int]],
    percent: float,
    rotation: int,
    large: int = LARGE_FILE_CUTOFF,
) -> tuple[list[str], int]:
    """(paths to download and compare, how many of them are large files)."""
    chosen, large_count = [], 0
    start = (rotation * percent) % 100  # consecutive runs read consecutive slices
    for path, size in files:
        if size >= large:
            chosen.append(path)
            large_count += 1
        elif percent > 0 and (zlib.crc32(path.encode()) % 100 - start) % 100 < percent:
            chosen.append(path)
    return chosen, large_count

"""Immich's database dumps (``backups/immich-db-backup-<UTC stamp>-v<version>-pg<n>.sql.gz``,
plain ``pg_dump`` output, gzipped): which one is newest, how old it is, and what it says
a restored Immich will look for — each asset's original file and its size. Read as a
stream: a dump of 300k assets is hundreds of MB once decompressed."""

from __future__ import annotations

import gzip
import json
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from photos_sync.errors import BackupError

DUMP_NAME = re.compile(r"^immich-db-backup-(\d{8}T\d{6})-.*\.sql\.gz$")


def dump_time(name: str) -> datetime | None:
    """When Immich made the dump, from its file name (UTC)."""
    found = DUMP_NAME.match(name)
    if found is None:
        return None
    return datetime.strptime(found.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=UTC)


def newest_dump(names: Iterable[str]) -> str | None:
    dated = [(stamp, name) for name in names if (stamp := dump_time(name)) is not None]
    return max(dated)[1] if dated else None


def newest_dump_in(folder: Path) -> Path | None:
    """The newest finished dump in Immich's ``backups/`` folder (``.tmp`` ones are not)."""
    if not folder.is_dir():
        return None
    name = newest_dump(p.name for p in folder.iterdir() if p.is_file())
    return folder / name if name else None


@dataclass
class DumpContents:
    """What a dump holds that a restore depends on."""

    tables: set[str] = field(default_factory=set)  # every table with its rows in the dump
    media_location: str | None = None  # where the dumped Immich kept its files
    originals: dict[str, int | None] = field(default_factory=dict)  # path -> bytes

    def relative(self, path: str) -> str | None:
        """An original's path inside the media folder (the backup's folders), or None for
        one outside it (an external library: not Immich's to back up)."""
        if self.media_location and path.startswith(self.media_location.rstrip("/") + "/"):
            return path[len(self.media_location.rstrip("/")) + 1 :]
        parts = PurePosixPath(path).parts
        for top in ("upload", "library"):  # a dump without MediaLocation (older Immich)
            if top in parts:
                return "/".join(parts[parts.index(top) :])
        return None


def _unescape(value: str) -> str | None:
    r"""One field of pg_dump's text format: ``\N`` is NULL, backslash escapes."""
    if value == r"\N":
        return None
    return re.sub(
        r"\\(.)", lambda m: {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}.get(m[1], m[1]), value
    )


def _copy_blocks(lines: Iterator[str]) -> Iterator[tuple[str, list[str], Iterator[list[str]]]]:
    """(table, columns, rows) of each ``COPY public.<table> (...) FROM stdin;`` block."""
    header = re.compile(r"^COPY public\.(\w+) \((.*)\) FROM stdin;$")
    for line in lines:
        found = header.match(line.rstrip("\n"))
        if found is None:
            continue
        columns = [c.strip().strip('"') for c in found.group(2).split(",")]

        def rows() -> Iterator[list[str]]:
            for row in lines:
                if row.startswith("\\."):
                    return
                yield row.rstrip("\n").split("\t")

        yield found.group(1), columns, rows()


def read_dump(path: Path) -> DumpContents:
    """The tables, the media folder and every asset's original (with its size) of a dump;
    a BackupError when it does not decompress. Assets Immich has deleted are left out."""
    contents = DumpContents()
    paths: dict[str, str] = {}  # asset id -> original path
    sizes: dict[str, int] = {}  # asset id -> bytes (asset_exif.fileSizeInByte)
    try:
        with gzip.open(path, "rt", encoding="utf-8", errors="replace") as text:
            for table, columns, rows in _copy_blocks(iter(text)):
                contents.tables.add(table)
                for row in rows:
                    value = dict(zip(columns, map(_unescape, row), strict=False))
                    if table == "asset" and value["status"] != "deleted":
                        paths[str(value["id"])] = str(value["originalPath"])
                    elif table == "asset_exif" and value["fileSizeInByte"] is not None:
                        sizes[str(value["assetId"])] = int(str(value["fileSizeInByte"]))
                    elif table == "system_metadata" and value["key"] == "MediaLocation":
                        contents.media_location = json.loads(str(value["value"]))["location"]
    except (OSError, EOFError, zlib.error, KeyError, ValueError) as error:
        raise BackupError(f"The database dump {path.name} cannot be read: {error}") from None
    contents.originals = {paths[i]: sizes.get(i) for i in paths}
    return contents

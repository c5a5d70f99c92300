"""The Photos library fixtures and what their README says each asset is.

Libraries are read from ``tests/fixtures/photos-libraries`` (trimmed copies of osxphotos'
test libraries: see NOTICE.md there), or from ``PHOTOS_SYNC_FIXTURES``. Tests open a
*copy*: SQLite touches ``-shm`` files even when reading, so the copy holds its own
``database`` folder while the originals are linked to the fixture's.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import stat
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

FIXTURES = Path(
    os.environ.get(
        "PHOTOS_SYNC_FIXTURES",
        Path(__file__).resolve().parents[1] / "fixtures" / "photos-libraries",
    )
)
LIBRARY_NAMES = (
    "Test-Media-Types-15.7.2.photoslibrary",
    "Test-26.1.photoslibrary",
    "Test-Shared-10.15.1.photoslibrary",
)


def copy_library(name: str, destination: Path) -> Path:
    """A private copy of a fixture library: its database copied, its media linked."""
    source = FIXTURES / name
    target = destination / name
    target.mkdir(parents=True)
    for entry in source.iterdir():
        if entry.name == "database":
            shutil.copytree(entry, target / "database")
        else:
            (target / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    for root, dirs, files in os.walk(target / "database"):
        for name_ in dirs + files:
            path = Path(root) / name_
            path.chmod(path.stat().st_mode | stat.S_IWUSR)
    return target


@dataclass
class ExpectedAsset:
    """One row of the fixtures README's asset table, in the README's own words."""

    uuid: str
    original_filename: str
    media_type: str
    uti: str
    flags: set[str]
    other: list[str]
    original_file: str
    notes: set[str] = field(default_factory=set)

    def other_has(self, token: str) -> bool:
        return any(part == token or part.startswith(token + ":") for part in self.other)

    def other_value(self, prefix: str) -> str | None:
        for part in self.other:
            if part.startswith(prefix + ":"):
                return part.split(":", 1)[1].strip()
        return None


def _cell(text: str) -> str:
    return text.strip().replace("**", "")


def expected_assets(library_name: str) -> dict[str, ExpectedAsset]:
    """The asset table under the ``### <library>`` heading of the fixtures README."""
    readme = (FIXTURES / "README.md").read_text()
    short = library_name.removesuffix(".photoslibrary")
    section = readme.split(f"### {short}", 1)[1].split("\n### ", 1)[0]
    found: dict[str, ExpectedAsset] = {}
    for line in section.splitlines():
        cells = [c for c in line.split("|")[1:-1]]
        if len(cells) != 6 or not re.fullmatch(r"\s*[0-9A-F-]{36}\s*", cells[0]):
            continue
        uuid, filename, kind, flags, other, original = (_cell(c) for c in cells)
        media_type, uti = kind.split()
        found[uuid] = ExpectedAsset(
            uuid=uuid,
            original_filename=filename,
            media_type=media_type,
            uti=uti,
            flags={f.strip() for f in flags.split(",") if f.strip()},
            other=[o.strip() for o in other.split(";") if o.strip()],
            original_file=original,
        )
    return found


def open_for_edit(library: Path) -> sqlite3.Connection:
    """Photos' database for writing, as Photos would change it (tests only, on a copy).

    Photos' triggers call Core Data functions that exist only inside Photos; each one the
    triggers name is registered here as a no-op so plain SQL updates go through.
    """
    connection = sqlite3.connect(library / "database" / "Photos.sqlite")
    triggers = connection.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger'")
    names = {name for (sql,) in triggers for name in re.findall(r"\b(NS\w+)\s*\(", sql or "")}
    for name in names:
        connection.create_function(name, -1, lambda *args: None)
    return connection


def materialize(library: Path, relative_folder: str) -> Path:
    """Make ``library/relative_folder`` a real folder of the copy (its files still linked to
    the fixture's), so a test can add or replace files there without touching the fixture."""
    target = library
    for part in Path(relative_folder).parts:
        target = target / part
        if target.is_symlink():
            source = target.resolve()
            target.unlink()
            target.mkdir()
            for entry in source.iterdir():
                (target / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
        elif not target.exists():
            target.mkdir()
    return target


def add_keywords(library: Path, uuid: str, titles: tuple[str, ...]) -> None:
    """Give an asset keywords in Photos' own tables (see :func:`change_in_photos`)."""
    for title in titles:
        change_in_photos(library, uuid, PhotosChange(keyword=title))


@dataclass(frozen=True)
class PhotosChange:
    """What a user changes of one asset in Photos (None: left as it is)."""

    title: str | None = None
    keyword: str | None = None
    favorite: bool | None = None
    place: tuple[float, float] | None = None


def change_in_photos(library: Path, uuid: str, change: PhotosChange) -> None:
    """Make ``change`` in Photos' own tables, whatever the library's release (the table and
    column names from ``photos_schema``), and move the asset's modification date as Photos
    does."""
    import plistlib

    from photos_sync.source.photos_schema import RELEASES, release_of

    with closing(open_for_edit(library)) as connection, connection:
        plist = connection.execute("SELECT Z_PLIST FROM Z_METADATA ORDER BY Z_VERSION DESC")
        model = int(plistlib.loads(plist.fetchone()[0])["PLModelVersion"])
        release = release_of(model) or RELEASES[-1]
        table = release.asset_table
        (asset,) = connection.execute(
            f"SELECT Z_PK FROM {table} WHERE ZUUID = ?", (uuid,)
        ).fetchone()
        (attributes,) = connection.execute(
            "SELECT Z_PK FROM ZADDITIONALASSETATTRIBUTES WHERE ZASSET = ?", (asset,)
        ).fetchone()
        if change.title is not None:
            connection.execute(
                "UPDATE ZADDITIONALASSETATTRIBUTES SET ZTITLE = ? WHERE Z_PK = ?",
                (change.title, attributes),
            )
        if change.favorite is not None:
            connection.execute(
                f"UPDATE {table} SET ZFAVORITE = ? WHERE Z_PK = ?", (int(change.favorite), asset)
            )
        if change.place is not None:
            connection.execute(
                f"UPDATE {table} SET ZLATITUDE = ?, ZLONGITUDE = ? WHERE Z_PK = ?",
                (*change.place, asset),
            )
        if change.keyword is not None:
            (entity,) = connection.execute(
                "SELECT Z_ENT FROM Z_PRIMARYKEY WHERE Z_NAME = 'Keyword'"
            ).fetchone()
            keyword = connection.execute(
                "INSERT INTO ZKEYWORD (Z_ENT, Z_OPT, ZTITLE, ZUUID) VALUES (?, 1, ?, ?)",
                (entity, change.keyword, f"KW-{change.keyword}"),
            ).lastrowid
            connection.execute(
                f"INSERT INTO Z_1KEYWORDS (Z_1ASSETATTRIBUTES, {release.keyword_column})"
                " VALUES (?, ?)",
                (attributes, keyword),
            )
        connection.execute(
            f"UPDATE {table} SET ZMODIFICATIONDATE = COALESCE(ZMODIFICATIONDATE, ZDATECREATED) + 60"
            " WHERE Z_PK = ?",
            (asset,),
        )

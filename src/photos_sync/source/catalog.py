"""The cheap view of a library: which assets exist and when each last changed.

osxphotos loads the whole library before it answers anything (6.4 s and 1.2 GB on 100k
assets), so the questions asked on every run — what is there, what changed since last
time, how many photos and videos, what is in the trash — are answered here by plain
read-only SQL on ``database/Photos.sqlite``, in a fraction of that. Only the assets this
view says are new or changed go on to :mod:`photos_sync.source.library`.

With :mod:`photos_sync.source.direct` (which reads the facts of the assets that need a
full record) it is one of the two modules that read Photos' own tables; each column it
uses is named below with why.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import plistlib
import re
import sqlite3
import sys
import threading
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from hashlib import blake2b
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from photos_sync.errors import LibraryError
from photos_sync.source.photos_schema import RELEASES, Release, release_of
from photos_sync.source.records import MediaType

log = logging.getLogger(__name__)
T = TypeVar("T")

# ZINTERNALRESOURCE.ZRESOURCETYPE values (Photos 5+) for resources of the original version
# (ZVERSION = 0). PhotoKit exposes the same rows as PHAssetResource; the seed's "Has Paired
# Video" is the `.pairedVideo` resource, i.e. a type-3 row, not the Live Photo subtype flag.
RESOURCE_PAIRED_VIDEO = 3
RESOURCE_ALTERNATE = 4  # the RAW of a RAW+JPEG pair
RESOURCE_ADJUSTMENT = 5  # the AAE adjustment data (Cinematic, Portrait and other edits)

# ZASSET.ZDEPTHTYPE: 1 = a photo with a depth map (Portrait), 2 = a Cinematic video's depth
# track. osxphotos has no Cinematic attribute (it reports such a video as `portrait`), so
# Cinematic is read from this column, here and only here.
DEPTH_TYPE_CINEMATIC = 2

# ZASSET.ZAVALANCHEPICKTYPE bits: the frame of a burst Photos shows by default, one the
# user selected to keep, and the burst's key frame.
BURST_DEFAULT_PICK, BURST_SELECTED, BURST_KEY = 0b100, 0b1000, 0b10000

# ZGENERICALBUM.ZKIND: 2 is an album the user made, 4000 a folder of albums, 1505 an iCloud
# shared album (mirrored as an Immich album of the same name, like the user's own).
ALBUM_KIND_USER, ALBUM_KIND_FOLDER, ALBUM_KIND_SHARED = 2, 4000, 1505
MIRRORED_ALBUM_KINDS = (ALBUM_KIND_USER, ALBUM_KIND_SHARED)

# The Core Data model versions each Photos release writes (photos_schema.RELEASES).
MODEL_RANGES: tuple[tuple[tuple[int, int], str], ...] = tuple(
    (release.models, release.name) for release in RELEASES
)
NEWEST_KNOWN_MODEL = max(high for (_, high), _ in MODEL_RANGES)
OLDEST_KNOWN_MODEL = min(low for (low, _), _ in MODEL_RANGES)


class CatalogEntry(NamedTuple):
    """What the cheap SQL view knows of one asset (a tuple: every run makes one per asset
    of the library, and at 100k a frozen dataclass of twelve fields costs most of a
    second more)."""

    uuid: str
    media_type: MediaType
    modified: float | None  # Photos' own ZMODIFICATIONDATE: seconds since 2001-01-01 UTC
    in_trash: bool
    hidden: bool
    depth_type: int
    spatial_type: int
    resource_local: dict[int, bool]  # ZRESOURCETYPE -> original version locally available?
    burst_id: str | None = None  # ZAVALANCHEUUID: shared by the frames of one burst
    burst_pick: int = 0  # ZAVALANCHEPICKTYPE bits (the BURST_* values above)
    favorite: bool = False  # ZFAVORITE
    original_file: str | None = None  # ZDIRECTORY/ZFILENAME under originals/ (Photos 5+)

    @property
    def burst_rank(self) -> int:
        """How Photos ranks a burst frame as the stack's cover: key, then selected, then
        its default pick (ZAVALANCHEPICKTYPE bits 16, 8, 4); lower is better."""
        for rank, bit in enumerate((BURST_KEY, BURST_SELECTED, BURST_DEFAULT_PICK)):
            if self.burst_pick & bit:
                return rank
        return 3

    @property
    def has_paired_video(self) -> bool:
        return RESOURCE_PAIRED_VIDEO in self.resource_local

    @property
    def is_cinematic(self) -> bool:
        return self.media_type is MediaType.VIDEO and self.depth_type == DEPTH_TYPE_CINEMATIC


def in_library(entries: Iterable[CatalogEntry]) -> list[CatalogEntry]:
    """The assets every command counts as the library's (``status``, ``doctor``,
    ``report``): all but those in Photos' Recently Deleted."""
    return [entry for entry in entries if not entry.in_trash]


def photos_release(model_version: int) -> str:
    """The Photos release a database model version belongs to, e.g. 19320 -> "11.1"."""
    for (low, high), release in MODEL_RANGES:
        if low <= model_version <= high:
            return release
    return f"unknown (model {model_version})"


def database_path(library: Path) -> Path:
    """``Photos.sqlite`` of a library bundle, with a clear error when it is not one."""
    if not library.exists():
        raise LibraryError(
            f"Photos library not found: {library}",
            "Point --library (or PHOTOS_LIBRARY) at a *.photoslibrary folder",
        )
    if not library.is_dir():
        raise LibraryError(
            f"Not a Photos library (not a folder): {library}",
            "Point --library at the *.photoslibrary folder itself",
        )
    database = library / "database" / "Photos.sqlite"
    if database.is_file():
        return database
    if (library / "database" / "photos.db").is_file() or (library / "AlbumData.xml").is_file():
        raise LibraryError(
            f"Unsupported Photos library: {library} was made by Photos 4 or older (or iPhoto)",
            "Open it once in Photos on macOS 10.15 or later to upgrade it, then copy it again",
        )
    raise LibraryError(
        f"Not a Photos library (no database/Photos.sqlite): {library}",
        "Point --library at a *.photoslibrary folder copied whole from the Mac",
    )


FULL_DISK_ACCESS = (
    "Grant Full Disk Access to the app you run photos-sync from (System Settings > "
    "Privacy & Security > Full Disk Access: add Terminal, iTerm or your scheduler), then "
    "open a new window and run again"
)


def not_permitted(database: Path, error: OSError | sqlite3.Error) -> LibraryError:
    """This user may not read the database: macOS' privacy guard, or plain file modes."""
    if sys.platform == "darwin" or getattr(error, "errno", None) == errno.EPERM:
        return LibraryError(
            f"macOS does not let this program read the Photos library (Operation not "
            f"permitted): {database}",
            FULL_DISK_ACCESS,
        )
    return LibraryError(
        f"Photos library database cannot be read by this user (permission denied): {database}",
        "Give your user read access to the library folder (e.g. chown or chmod it), or run "
        "photos-sync as the user who owns it",
    )


def _unreadable(database: Path, error: sqlite3.Error) -> LibraryError:
    if not os.access(database, os.R_OK):
        return not_permitted(database, error)
    return LibraryError(
        f"Photos library database is unreadable ({error}): {database}",
        "Copy the library from the Mac again, or repair it in Photos "
        "(hold Option+Command while opening Photos)",
    )


@dataclass(frozen=True)
class Catalog:
    """An opened library database: its version and its assets."""

    library: Path
    database: Path
    model_version: int
    asset_table: str
    store_uuid: str = ""  # Z_METADATA.Z_UUID: made with the library, kept by its copies

    @property
    def photos_version(self) -> str:
        return photos_release(self.model_version)

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A read-only connection; SQLite's errors become the library's own."""
        try:
            with closing(_connect_read_only(self.database)) as connection:
                yield connection
        except sqlite3.Error as error:
            raise _unreadable(self.database, error) from None
        except PermissionError as error:
            raise not_permitted(self.database, error) from None

    def read(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """What ``work`` reads through a read-only connection (:meth:`connect`).

        SQLite's module decodes text in C. Text that is not valid UTF-8 (a damaged or
        hand-edited library) stops that decoding; ``work`` then runs once more with
        :func:`tolerant_text`, a Python call per value: a tenth of a big read, paid only by
        such a library.
        """
        with self.connect() as connection:
            try:
                return work(connection)
            except sqlite3.OperationalError as error:
                if not undecodable(error):
                    raise
            connection.text_factory = tolerant_text
            return work(connection)

    def albums(self) -> list[PhotosAlbum]:
        """The user's albums and iCloud shared albums (not smart albums, not deleted ones)
        with their members."""
        return self.read(lambda connection: _albums(connection, self.asset_table))

    def person_names(self) -> dict[str, str]:
        """Each named person's name now (a rename in Photos changes no asset, so the change
        check cannot see it): Photos person UUID -> name."""
        return self.read(_person_names)

    def digests(
        self, part: tuple[int, int] | None = None, uuids: Collection[str] = ()
    ) -> dict[str, str]:
        """Photos UUID -> a digest of what Photos shows of the asset beyond its file: title,
        description, place, favorite, hidden, keywords, albums and named people. Photos is
        not known to move an asset's modification date for each of those (osxphotos' author
        saw a keyword move it on an older release only), so a change is found by content:
        a digest that differs from the one kept makes the asset read again.

        ``part`` (n, k): only the k-th of n equal ranges of asset keys, and ``uuids`` (those,
        or all of them when neither is given): the digests of a whole library cost most of a
        night, a seventh of it does not."""
        return self.read(lambda connection: self._digests(connection, part, uuids))

    def _digests(
        self, connection: sqlite3.Connection, part: tuple[int, int] | None, uuids: Collection[str]
    ) -> dict[str, str]:
        release = release_of(self.model_version) or RELEASES[-1]
        query = _digest_query(connection, release)
        parameters: tuple[object, ...] = ()
        if part is not None or uuids:
            # a range of keys, not a remainder: SQLite then reads only that range
            low, high = -1, -1  # no range: the UUIDs alone
            if part is not None:
                slices, index = part
                (most,) = connection.execute(
                    f"SELECT MAX(Z_PK) FROM {release.asset_table}"
                ).fetchone()
                width = (most or 0) // slices + 1
                low, high = index * width, (index + 1) * width - 1
            query += " AND (a.Z_PK BETWEEN ? AND ? OR a.ZUUID IN (SELECT value FROM json_each(?)))"
            parameters = (low, high, json.dumps(sorted(uuids)))
        rows = connection.execute(query, parameters)
        return {uuid: blake2b(text.encode(), digest_size=8).hexdigest() for uuid, text in rows}

    def entries(self) -> list[CatalogEntry]:
        """Every asset in the library, trash and unpicked burst frames included."""
        return self.read(self._entries)

    def _entries(self, connection: sqlite3.Connection) -> list[CatalogEntry]:
        columns = table_columns(connection, self.asset_table)
        depth = "a.ZDEPTHTYPE" if "ZDEPTHTYPE" in columns else "0"
        spatial = "a.ZSPATIALTYPE" if "ZSPATIALTYPE" in columns else "0"
        folder = "a.ZDIRECTORY" if "ZDIRECTORY" in columns else "NULL"
        resources = _original_resources(connection, self.asset_table)
        rows = connection.execute(
            f"SELECT a.Z_PK, a.ZUUID, a.ZKIND, a.ZMODIFICATIONDATE, a.ZTRASHEDSTATE,"
            f" a.ZHIDDEN, {depth}, {spatial}, a.ZAVALANCHEUUID, a.ZAVALANCHEPICKTYPE,"
            f" a.ZFAVORITE, {folder}, a.ZFILENAME FROM {self.asset_table} a"
            " WHERE a.ZUUID IS NOT NULL AND a.ZKIND IN (0, 1)"
        ).fetchall()
        return [_entry(row, resources) for row in rows]


def _digest_query(connection: sqlite3.Connection, release: Release) -> str:
    """One row per asset: its UUID, and the text of what its digest covers, built by
    SQLite (a Python step per asset would double the cost), each asset's keywords, people
    and albums looked up through their indexes. Those come in the order SQLite meets them,
    the same for the same database; after a change they may come in another order, which
    costs one more read of the asset, never a change missed."""
    a = release.asset_table
    separator = " || char(30) || "
    parts = [
        "COALESCE(x.ZTITLE, '')",
        "COALESCE(d.ZLONGDESCRIPTION, '')",
        "a.ZLATITUDE",
        "a.ZLONGITUDE",
        "a.ZFAVORITE",
        "a.ZHIDDEN",
        f"COALESCE((SELECT group_concat(k.ZTITLE, char(31)) FROM Z_1KEYWORDS j"
        f" JOIN ZKEYWORD k ON k.Z_PK = j.{release.keyword_column}"
        " WHERE j.Z_1ASSETATTRIBUTES = x.Z_PK), '')",
        f"COALESCE((SELECT group_concat(p.ZPERSONUUID || p.ZFULLNAME, char(31))"
        f" FROM ZDETECTEDFACE f JOIN ZPERSON p ON p.Z_PK = f.{release.face_person_column}"
        f" WHERE f.{release.face_asset_column} = a.Z_PK AND p.ZFULLNAME != ''), '')",
    ]
    membership = _membership_table(connection)
    if membership is not None:
        table, album_column, asset_column = membership
        parts.append(
            f"COALESCE((SELECT group_concat({album_column}, char(31)) FROM {table}"
            f" WHERE {asset_column} = a.Z_PK), '')"
        )
    return (
        f"SELECT a.ZUUID, {separator.join(parts)} FROM {a} a"
        " JOIN ZADDITIONALASSETATTRIBUTES x ON x.ZASSET = a.Z_PK"
        " LEFT JOIN ZASSETDESCRIPTION d ON d.Z_PK = x.ZASSETDESCRIPTION"
        " WHERE a.ZUUID IS NOT NULL"
    )


def _person_names(connection: sqlite3.Connection) -> dict[str, str]:
    if not table_columns(connection, "ZPERSON") >= {"ZPERSONUUID", "ZFULLNAME"}:
        return {}
    rows = connection.execute(
        "SELECT ZPERSONUUID, COALESCE(NULLIF(ZFULLNAME, ''), ZDISPLAYNAME) FROM ZPERSON"
        " WHERE ZPERSONUUID IS NOT NULL"
    ).fetchall()
    return {uuid: name for uuid, name in rows if name}


def _entry(row: tuple[Any, ...], resources: dict[int, dict[int, bool]]) -> CatalogEntry:
    pk, uuid, kind, modified, trashed, hidden, depth_type, spatial_type, burst_id, pick = row[:10]
    fav, folder, name = row[10:]
    return CatalogEntry(  # by position, as this runs 100k times: keywords cost 2.5x as much
        uuid,
        MediaType.VIDEO if kind == 1 else MediaType.PHOTO,
        modified,
        bool(trashed),  # in_trash
        bool(hidden),
        depth_type or 0,
        spatial_type or 0,
        resources.get(pk, {}),  # resource_local
        burst_id or None,
        pick or 0,  # burst_pick
        bool(fav),  # favorite
        f"originals/{folder}/{name}" if folder and name else None,  # original_file
    )


@dataclass(frozen=True)
class PhotosAlbum:
    """A user album: its title, the folders it sits in, and its assets' UUIDs."""

    uuid: str
    title: str
    folders: tuple[str, ...]
    assets: frozenset[str]


def _membership_table(connection: sqlite3.Connection) -> tuple[str, str, str] | None:
    """Core Data's album<->asset join table: ``Z_<n>ASSETS(Z_<n>ALBUMS, Z_<m>ASSETS)``.

    Its number changes with the schema (Z_26 in Photos 5, Z_30 in 10, Z_33 in 11), so it is
    found by shape.
    """
    for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
        if not re.fullmatch(r"Z_\d+ASSETS", name):
            continue
        columns = table_columns(connection, name)
        albums = [c for c in columns if re.fullmatch(r"Z_\d+ALBUMS", c)]
        assets = [c for c in columns if re.fullmatch(r"Z_\d+ASSETS", c)]
        if albums and assets:
            return name, albums[0], assets[0]
    return None


def _albums(connection: sqlite3.Connection, asset_table: str) -> list[PhotosAlbum]:
    rows = connection.execute(
        "SELECT Z_PK, ZUUID, ZTITLE, ZKIND, ZPARENTFOLDER FROM ZGENERICALBUM"
        " WHERE ZTRASHEDSTATE = 0 AND ZKIND IN (?, ?, ?)",
        (ALBUM_KIND_USER, ALBUM_KIND_FOLDER, ALBUM_KIND_SHARED),
    ).fetchall()
    folders = {
        pk: (title or "", parent)
        for pk, _, title, kind, parent in rows
        if kind == ALBUM_KIND_FOLDER
    }

    def path(parent: int | None) -> tuple[str, ...]:
        names: list[str] = []
        while parent in folders:
            title, parent = folders[parent]
            names.insert(0, title)
        return tuple(names)

    members: dict[int, list[str]] = {}
    join = _membership_table(connection)
    if join is not None:
        table, album_column, asset_column = join
        grouped = connection.execute(  # one string per album, not a tuple per membership
            f"SELECT j.{album_column}, group_concat(a.ZUUID, char(31)) FROM {table} j"
            f" JOIN {asset_table} a ON a.Z_PK = j.{asset_column} GROUP BY j.{album_column}"
        )
        members = {album_pk: uuids.split("\x1f") for album_pk, uuids in grouped if uuids}
    return [
        PhotosAlbum(uuid, title or "", path(parent), frozenset(members.get(pk, ())))
        for pk, uuid, title, kind, parent in rows
        if kind in MIRRORED_ALBUM_KINDS
    ]


_bad_text_seen = threading.Event()


def tolerant_text(raw: bytes) -> str:
    """Text from Photos' database; a title or name that is not valid UTF-8 (a damaged or
    hand-edited library) is read with U+FFFD in its place, with one warning, rather than
    stopping the whole import."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        if not _bad_text_seen.is_set():
            _bad_text_seen.set()
            log.warning(
                "Some text in the Photos database is not valid UTF-8 (an album title or a "
                "file name); it is read with \ufffd in place of the bad bytes"
            )
        return raw.decode("utf-8", "replace")


def undecodable(error: sqlite3.Error) -> bool:
    """Whether SQLite's module stopped at text that is not valid UTF-8 (its message is the
    only sign: the error is a plain ``OperationalError``)."""
    return isinstance(error, sqlite3.OperationalError) and str(error).startswith(
        "Could not decode to UTF-8"
    )


def _connect_read_only(database: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
    connection.execute("PRAGMA query_only = ON")
    return connection


def table_columns(connection: sqlite3.Connection, table: str) -> set[str]:
    """A table's column names: which optional ones a library has varies by release."""
    return {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}


def _original_resources(
    connection: sqlite3.Connection, asset_table: str
) -> dict[int, dict[int, bool]]:
    """Asset primary key -> {resource type: locally available} for the original version.

    ``ZLOCALAVAILABILITY`` is 1 when the bytes are on this Mac and -1 when they are only
    in iCloud; the types are those listed at the top of this module.
    """
    found: dict[int, dict[int, bool]] = {}
    rows = connection.execute(
        "SELECT ZASSET, ZRESOURCETYPE, MAX(ZLOCALAVAILABILITY) FROM ZINTERNALRESOURCE"
        " WHERE ZVERSION = 0 AND ZRESOURCETYPE IN (?, ?, ?) GROUP BY ZASSET, ZRESOURCETYPE",
        (RESOURCE_PAIRED_VIDEO, RESOURCE_ALTERNATE, RESOURCE_ADJUSTMENT),
    )
    for asset_pk, resource_type, local in rows:
        found.setdefault(asset_pk, {})[resource_type] = local == 1
    return found


def _model_version(connection: sqlite3.Connection, database: Path) -> int:
    row = connection.execute("SELECT Z_PLIST FROM Z_METADATA ORDER BY Z_VERSION DESC").fetchone()
    try:
        return int(plistlib.loads(row[0])["PLModelVersion"])
    except (TypeError, KeyError, ValueError, plistlib.InvalidFileException):
        raise LibraryError(
            f"Photos library database has no readable model version: {database}",
            "Copy the library from the Mac again",
        ) from None


def open_catalog(library: Path) -> Catalog:
    """Open a library read-only and check that its Photos version is one we can read."""
    library = library.expanduser()
    try:
        database = database_path(library)
    except PermissionError as error:
        raise not_permitted(library / "database" / "Photos.sqlite", error) from None
    try:
        with closing(_connect_read_only(database)) as connection:
            tables = {
                row[0]
                for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            if "Z_METADATA" not in tables:
                raise LibraryError(
                    f"Not a Photos database (no Z_METADATA table): {database}",
                    "Point --library at a *.photoslibrary folder copied whole from the Mac",
                )
            model = _model_version(connection, database)
            store = connection.execute("SELECT Z_UUID FROM Z_METADATA ORDER BY Z_VERSION DESC")
            store_uuid = str((store.fetchone() or ("",))[0] or "")
    except sqlite3.Error as error:
        raise _unreadable(database, error) from None
    except PermissionError as error:
        raise not_permitted(database, error) from None
    if model > NEWEST_KNOWN_MODEL:
        raise LibraryError(
            f"Unsupported Photos library: made by a Photos newer than this photos-sync can read "
            f"(database model {model}, newest known {NEWEST_KNOWN_MODEL})",
            "Upgrade photos-sync (pip install -U photos-sync) to get a newer reader",
        )
    if model < OLDEST_KNOWN_MODEL:
        raise LibraryError(
            f"Unsupported Photos library: database model {model} is older than Photos 5",
            "Open it once in Photos on macOS 10.15 or later to upgrade it, then copy it again",
        )
    if not any(low <= model <= high for (low, high), _ in MODEL_RANGES):
        raise LibraryError(
            f"Unsupported Photos version: database model {model} is none that photos-sync "
            f"knows (it reads Photos 5 to 12)",
            "Upgrade photos-sync; if this is the newest, please report the model number",
        )
    asset_table = "ZASSET" if "ZASSET" in tables else "ZGENERICASSET"
    if asset_table not in tables or "ZINTERNALRESOURCE" not in tables:
        raise LibraryError(
            f"Photos library database is missing its asset tables: {database}",
            "Copy the library from the Mac again",
        )
    return Catalog(library, database, model, asset_table, store_uuid)

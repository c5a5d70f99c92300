"""Full records of a library's assets, made from what a reader says of each.

osxphotos is the maintained reader of Photos' database (on Linux too), but it loads the
whole library before answering. So only the assets the cheap
:mod:`~photos_sync.source.catalog` says need reading are read, and our own
:mod:`~photos_sync.source.direct` reads most of them at a fraction of its cost, to the
same records (a test holds both readers to every asset of the fixtures); osxphotos is
loaded for the rest alone. Nothing outside this package sees an osxphotos object.
"""

from __future__ import annotations

import logging
import os
import sys
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from photos_sync.errors import LibraryError
from photos_sync.source.catalog import (
    Catalog,
    CatalogEntry,
    PhotosAlbum,
    open_catalog,
    tolerant_text,
)
from photos_sync.source.classify import classify, resources
from photos_sync.source.decode import UNKNOWN_DATE
from photos_sync.source.records import (
    TURNED_ORIENTATIONS,
    AlbumRef,
    Availability,
    Face,
    LibraryAsset,
    Resource,
    ResourceKind,
)

log = logging.getLogger(__name__)


def system_library() -> Path | None:
    """The Mac's system Photos library, or None where there is none (any other platform)."""
    if sys.platform != "darwin":
        return None
    from osxphotos.utils import get_system_library_path

    found = get_system_library_path()
    return Path(found) if found else None


def resolve_library_path(configured: Path | None) -> Path:
    """The library to read: ``--library``/``PHOTOS_LIBRARY``, else the Mac's system library."""
    if configured is not None:
        return as_on_disk(configured.expanduser())
    found = system_library()
    if found is None:
        raise LibraryError(
            "No Photos library given",
            "Use --library PATH or set PHOTOS_LIBRARY to a *.photoslibrary folder "
            "(copied from the Mac, on Linux)",
        )
    return found


def as_on_disk(path: Path) -> Path:
    """``path`` as the disk spells it: macOS writes names decomposed (NFD) and a path typed
    or pasted is often composed (NFC); the two look alike but are other bytes on Linux. A
    part not found as given is taken as the one entry beside it that reads the same once
    composed; a path that exists, or has no such twin, is left as it is."""
    if path.exists():
        return path
    found = Path(path.anchor) if path.is_absolute() else Path()
    for part in path.parts[len(found.parts) :]:
        candidate = found / part
        if not candidate.exists() and found.is_dir():
            same = [
                entry
                for entry in found.iterdir()
                if unicodedata.normalize("NFC", entry.name) == unicodedata.normalize("NFC", part)
            ]
            candidate = same[0] if len(same) == 1 else candidate
        found = candidate
    return found if found.exists() else path


class PhotosLibrary:
    """A Photos library opened read-only: cheap catalog first, osxphotos on demand."""

    def __init__(self, path: Path) -> None:
        self.catalog: Catalog = open_catalog(path)
        self._db: Any = None
        self._entries: list[CatalogEntry] | None = None
        self._albums: list[PhotosAlbum] | None = None

    @property
    def path(self) -> Path:
        return self.catalog.library

    @property
    def originals(self) -> Path:
        """Where Photos keeps the files it manages (Photos 5 and later)."""
        return self.catalog.library / "originals"

    def originals_lost(self) -> bool:
        """The library lists assets but has no ``originals`` folder: a copy of the database
        alone, or a library on a disk that is not mounted. Photos creates the folder with
        the library and never removes it, even when every file lives only in iCloud."""
        return not self.originals.is_dir() and any(not e.in_trash for e in self.entries())

    def require_originals(self) -> None:
        """Refuse to import from a library whose files are all absent: each asset would
        otherwise be recorded as skipped, "file missing", which hides the real cause."""
        if self.originals_lost():
            raise LibraryError(
                f"The Photos library has no originals folder ({self.originals}), so none of "
                "its files can be read",
                "Mount the disk the library lives on, or copy the whole library again, "
                "originals folder included",
            )

    def entries(self) -> list[CatalogEntry]:
        """The catalog, read once per opened library: a command's scan, metadata and
        cleanup steps all ask, and on 100k assets each read costs most of a second."""
        if self._entries is None:
            self._entries = self.catalog.entries()
        return self._entries

    def person_names(self) -> dict[str, str]:
        return self.catalog.person_names()

    def albums(self) -> list[PhotosAlbum]:
        if self._albums is None:
            self._albums = self.catalog.albums()
        return self._albums

    def album_titles(self) -> dict[str, set[str]]:
        """Photos UUID -> the titles of the albums it is in (what ``--album`` matches), in
        Unicode's composed form, as ``--album`` names are kept: a library that lived on
        HFS+ may hold a title decomposed."""
        titles: dict[str, set[str]] = {}
        for album in self.albums():
            title = unicodedata.normalize("NFC", album.title)
            for uuid in album.assets:
                titles.setdefault(uuid, set()).add(title)
        return titles

    def _photos_db(self) -> Any:
        if self._db is None:
            import osxphotos

            _read_text_tolerantly()
            try:
                self._db = osxphotos.PhotosDB(dbfile=str(self.catalog.library))
            except Exception as error:  # a damaged database can fail anywhere in osxphotos
                log.debug("osxphotos failed to load %s", self.catalog.library, exc_info=True)
                raise LibraryError(
                    f"Photos library could not be read ({type(error).__name__}: {error}): "
                    f"{self.catalog.library}",
                    "Copy the library from the Mac again; run with --debug for details",
                ) from error
        return self._db

    def read(self, entries: Iterable[CatalogEntry], direct: bool = True) -> Iterator[LibraryAsset]:
        """Full records for the given catalog entries, in their order. The direct reader
        answers for most assets at a fraction of osxphotos' cost; osxphotos is loaded (once,
        lazily) only for those it declines. ``direct=False``: osxphotos for all."""
        wanted = list(entries)
        facts: dict[str, Any] = {}
        if direct and wanted:
            from photos_sync.source.direct import DirectReader

            facts = DirectReader(self.catalog).read((e.uuid for e in wanted), self.albums())
        adjustments = original_adjustments(self.originals)
        for entry in wanted:
            info = facts.get(entry.uuid) or self._photos_db().get_photo(entry.uuid)
            if info is None:
                log.warning("osxphotos does not list asset %s; skipped", entry.uuid)
                continue
            yield to_record(info, entry, self.path, adjustments.get(entry.uuid))


ADJUSTMENTS_SUFFIX = "_5.aae"


def original_adjustments(originals: Path) -> dict[str, Path]:
    """Photos UUID -> its original's adjustment data (a Cinematic video's, a Portrait's),
    which Photos keeps as ``originals/<the UUID's first character>/<UUID>_5.aae``. One
    listing of each folder, not a look per asset: most assets have none, and looking for
    each was 7% of a first read. An unreadable folder lists nothing (its assets fail on
    upload with that reason)."""
    found: dict[str, Path] = {}
    try:
        folders = [entry for entry in os.scandir(originals) if entry.is_dir()]
    except OSError:
        return found
    for folder in folders:
        try:
            with os.scandir(folder.path) as files:
                for file in files:
                    uuid = file.name.removesuffix(ADJUSTMENTS_SUFFIX)
                    if uuid != file.name and uuid[:1] == folder.name and file.is_file():
                        found[uuid] = Path(file.path)
        except OSError:
            continue
    return found


def _read_text_tolerantly() -> None:
    """osxphotos opens Photos' database through ``sqlite_open_ro``; its connections get the
    same tolerant text decoding as the catalog's (one bad title must not stop the read)."""
    from osxphotos.photosdb import photosdb

    if getattr(photosdb.sqlite_open_ro, "tolerant", False):
        return
    opener = photosdb.sqlite_open_ro

    def open_tolerant(dbname: Any) -> tuple[Any, Any]:
        connection, _ = opener(dbname)
        connection.text_factory = tolerant_text
        return connection, connection.cursor()

    open_tolerant.tolerant = True  # type: ignore[attr-defined]
    photosdb.sqlite_open_ro = open_tolerant


def _text(value: str | None) -> str | None:
    return value if value else None


def _albums(info: Any) -> tuple[AlbumRef, ...]:
    return tuple(
        AlbumRef(uuid=album.uuid, title=album.title or "", folders=tuple(album.folder_names))
        for album in info.album_info
    )


UNNAMED_PERSON = "_UNKNOWN_"  # osxphotos' name for a face nobody named


SAME_PLACE = 1e-4  # degrees (about 10 m): closer than this, the file's location is Photos'


# The oldest photograph that survives was taken in 1826 or 1827: a capture date before it
# is a damaged one.
EARLIEST_PHOTO = datetime(1826, 1, 1, tzinfo=UTC)
LATEST_AHEAD = timedelta(days=2)  # a camera clock a little ahead, or a zone far east


def plausible(date: datetime) -> bool:
    """Whether a capture date can be the photo's: not the date both readers give when
    Photos has none, not before photography, not in the future."""
    if date == UNKNOWN_DATE:
        return False
    return EARLIEST_PHOTO <= date <= datetime.now(UTC) + LATEST_AHEAD


def _capture_date(info: Any) -> tuple[datetime, bool]:
    """When the photo was taken, and whether that is Photos' own date to send to Immich.
    Without a plausible one, nothing is sent (Immich reads the file's own), and the upload
    names the file's modification time rather than 1970."""
    date: datetime = info.date
    if plausible(date):
        return date, True
    try:
        modified = os.stat(info.path).st_mtime if info.path else None
    except OSError:
        modified = None
    if modified is None:
        return date, False
    return datetime.fromtimestamp(modified, UTC).astimezone(), False


def _file_facts(info: Any) -> tuple[bool, bool]:
    """(date, location): whether Immich must be told Photos' own.

    The date always: Photos shows a moment *and* a zone, and a file often has no zone (it
    lands as UTC in Immich) or another one than the one the user set in Photos; only Photos'
    date with its offset makes Immich show what Photos shows. The location where Photos has
    one the file lacks or contradicts (the user moved it in Photos).
    """
    exif = info.exif_info
    latitude, longitude = info.location
    if latitude is None:
        return True, False
    if not exif or exif.latitude is None or exif.longitude is None:
        return True, True
    moved = (
        abs(exif.latitude - latitude) > SAME_PLACE or abs(exif.longitude - longitude) > SAME_PLACE
    )
    return True, moved


def _parts(
    info: Any, entry: CatalogEntry, library: Path | None, adjustments: Path | None
) -> tuple[Resource, ...]:
    """The asset's files; one in a folder this user may not read (a permission problem in
    a copied library) makes the original fail on upload with that reason, not the scan."""
    try:
        found = resources(info, entry, adjustments)
    except PermissionError:
        found = (Resource(ResourceKind.ORIGINAL, Availability.MISSING),)
    original = found[0]
    if original.availability is Availability.MISSING and library and entry.original_file:
        path = library / entry.original_file
        try:
            path.stat()
        except PermissionError:  # there, but not readable: let the upload say so
            return (Resource(ResourceKind.ORIGINAL, Availability.LOCAL, path), *found[1:])
        except OSError:
            pass
    return found


def to_record(
    info: Any, entry: CatalogEntry, library: Path | None, adjustments: Path | None
) -> LibraryAsset:
    """One osxphotos ``PhotoInfo`` (with its catalog row, and its original adjustments
    file if it has one: :func:`original_adjustments`) as our plain record."""
    latitude, longitude = info.location
    modified: datetime | None = info.date_modified
    created, date_known = _capture_date(info)
    date_from_photos, location_from_photos = _file_facts(info)
    return LibraryAsset(
        uuid=info.uuid,
        filename=info.original_filename or info.filename,
        media_type=entry.media_type,
        created_at=created,
        modified_at=modified,
        original_size=info.original_filesize or None,
        uti=info.uti,
        subtypes=classify(info, entry),
        resources=_parts(info, entry, library, adjustments),
        in_cloud_library=bool(info.iscloudasset),
        in_trash=entry.in_trash,
        burst_id=entry.burst_id,
        title=_text(info.title),
        description=_text(info.description),
        keywords=tuple(info.keywords),
        albums=_albums(info),
        latitude=latitude,
        longitude=longitude,
        persons=tuple(sorted({p for p in info.persons if p and p != UNNAMED_PERSON})),
        faces=_faces(info),
        display_size=_display_size(info),
        orientation=int(info.orientation or 1),
        date_from_photos=date_from_photos and date_known,
        location_from_photos=location_from_photos,
        raw_is_original=bool(info.has_raw and info.raw_original),
    )


def _display_size(info: Any) -> tuple[int, int] | None:
    width, height = int(info.width or 0), int(info.height or 0)
    if not width or not height:
        return None
    return (height, width) if info.orientation in TURNED_ORIENTATIONS else (width, height)


def _faces(info: Any) -> tuple[Face, ...]:
    """Named people's faces, as boxes on the shown image. The reader's MWG region does the
    orientation (Photos stores the centre unrotated, y growing upwards)."""
    found = []
    for face in info.face_info:
        name = face.name
        if not name or name == UNNAMED_PERSON or face.person_info is None:
            continue
        area = face.mwg_rs_area  # centre x, y and height, width, relative to the shown image
        if not area.w or not area.h:
            continue
        box = (area.x - area.w / 2, area.y - area.h / 2, area.x + area.w / 2, area.y + area.h / 2)
        clamped = tuple(round(min(1.0, max(0.0, v)), 6) for v in box)
        found.append(Face(face.person_info.uuid, name, clamped))
    return tuple(sorted(found, key=lambda f: (f.person_uuid, f.box)))

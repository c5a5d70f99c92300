"""Many assets' facts at once, read straight from Photos' database.

osxphotos answers only after it has loaded the whole library (every person, face, album,
moment, score and search label: 13 s on 100k assets), and then about one asset at a time.
A first import needs a few facts of every asset; a night, every fact of a few. This reader
reads just those, a query per kind of fact (assets, keywords, faces, files), with the
table and column names of the library's release from
:mod:`~photos_sync.source.photos_schema`, and hands each asset on under the attribute
names an osxphotos ``PhotoInfo`` uses, so that one function
(:func:`~photos_sync.source.library.to_record`) makes our records from either reader.

It covers the assets whose files Photos keeps under ``originals/``. Those kept elsewhere
(iCloud shared albums, shared moments, "Shared with You" not saved, a Live Photo imported
as a reference) it declines, and :class:`~photos_sync.source.library.PhotosLibrary` asks
osxphotos about them alone. ``tests/test_library_reader.py`` checks that both readers
make the same record of every asset of every fixture library.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePath
from typing import Any, NamedTuple

from photos_sync.source import photos_schema as photos
from photos_sync.source.catalog import Catalog, PhotosAlbum, table_columns, undecodable
from photos_sync.source.decode import (
    Area,
    FolderNames,
    capture_date,
    edit_orientation,
    face_area,
    local_date,
    raw_type,
)

log = logging.getLogger(__name__)


def _composed(text: str | None) -> str | None:
    """Text in Unicode's composed form, as records hold it: a library that lived on HFS+
    keeps some names decomposed."""
    return unicodedata.normalize("NFC", text) if text is not None else None


class Place(NamedTuple):
    """Where the file's own EXIF puts the photo (``PhotoInfo.exif_info``)."""

    latitude: float | None
    longitude: float | None


class AlbumFacts(NamedTuple):
    """An album the asset is in, as ``PhotoInfo.album_info`` lists it."""

    uuid: str
    title: str | None
    folder_names: tuple[str, ...]


class PersonFacts(NamedTuple):
    uuid: str


@dataclass(slots=True)
class FaceFacts:
    """A named person's face, as ``PhotoInfo.face_info`` lists it."""

    name: str
    person_info: PersonFacts
    center: tuple[float, float]  # as Photos stores it: on the stored image, y upwards
    size: float
    photo: Facts

    @property
    def mwg_rs_area(self) -> Area:
        """The region on the image as shown. Asked for only once the paths are known: an
        edit may have turned the photo."""
        photo = self.photo
        return face_area(self.center, self.size, photo.width, photo.height, photo.orientation)


@dataclass(slots=True)
class Facts:
    """One asset's facts, under the names ``PhotoInfo`` gives them (see ``PhotoFacts``)."""

    uuid: str
    original_filename: str | None
    filename: str
    date: datetime
    date_modified: datetime | None
    original_filesize: int | None
    uti: str | None
    ismovie: bool
    live_photo: bool
    portrait: bool
    hdr: bool
    panorama: bool
    screenshot: bool
    selfie: bool
    slow_mo: bool
    time_lapse: bool
    spatial: int
    burst: bool
    hasadjustments: bool
    hidden: bool
    favorite: bool
    shared_library: bool
    syndicated: bool | None
    saved_to_library: bool | None
    iscloudasset: bool
    title: str | None
    description: str | None
    location: tuple[float | None, float | None]
    exif_info: Place | None
    width: int
    height: int
    orientation: int
    raw_original: bool
    isreference: bool
    folder: str  # ZDIRECTORY: under originals/, or absolute for a referenced file
    ismissing: bool = False
    keywords: list[str] = field(default_factory=list)
    persons: list[str] = field(default_factory=list)
    album_info: list[AlbumFacts] = field(default_factory=list)
    face_info: list[FaceFacts] = field(default_factory=list)
    path: str | None = None
    path_live_photo: str | None = None
    path_edited: str | None = None
    path_edited_live_photo: str | None = None
    has_raw: bool = False
    uti_raw: str | None = None
    path_raw: str | None = None
    raw_on_volume: str | None = None  # a referenced RAW's path, as Photos bookmarked it


class Only(NamedTuple):
    """A condition on the asset table (alias ``a``) that limits a query to some assets,
    with its parameters; empty: every asset."""

    condition: str
    parameters: tuple[str, ...]

    def where(self, own: str = "") -> str:
        """A WHERE clause joining the query's own condition (if any) with this one."""
        conditions = [f"({text})" for text in (own, self.condition) if text]
        return f" WHERE {' AND '.join(conditions)}" if conditions else ""


EVERY = Only("", ())


class DirectReader:
    """Reads :class:`Facts` of many assets of one library with a handful of queries."""

    FEW = 1000  # up to this many wanted assets, the queries look them up by UUID

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        # open_catalog refuses a model no release writes; the newest is the best guess else
        self.release = photos.release_of(catalog.model_version) or photos.RELEASES[-1]
        self.library = str(catalog.library.resolve())  # records hold resolved paths

    def read(self, uuids: Iterable[str], albums: list[PhotosAlbum]) -> dict[str, Facts]:
        """The facts of the wanted assets this reader covers; the others are left out."""
        wanted = set(uuids)
        only = self._only(wanted)
        found = self.catalog.read(lambda connection: self._rows(connection, only, wanted))
        if found is None:
            return {}
        _add_albums(found, albums)
        files = Files(self.library, self.release)
        for facts in found.values():
            files.locate(facts)
        return found

    def _only(self, wanted: set[str]) -> Only:
        """Few wanted assets (a night with a few changes) are found by UUID; many are
        read with the whole table, which is quicker than as many look-ups."""
        if len(wanted) > self.FEW:
            return EVERY
        return Only("a.ZUUID IN (SELECT value FROM json_each(?))", (json.dumps(sorted(wanted)),))

    def _rows(
        self, connection: sqlite3.Connection, only: Only, wanted: set[str]
    ) -> dict[str, Facts] | None:
        """What the database says of the wanted assets; None when a query fails (a
        release that renamed something: osxphotos then reads every asset)."""
        try:
            found = self._assets(connection, only, wanted)
            self._add_availability(connection, only, found)
            self._add_keywords(connection, only, found)
            self._add_faces(connection, only, found)
        except sqlite3.Error as error:
            if undecodable(error):
                raise  # Catalog.read reads again, decoding text tolerantly
            log.debug("Direct read of %s failed", self.library, exc_info=True)
            return None
        return found

    def _assets(
        self, connection: sqlite3.Connection, only: Only, wanted: set[str]
    ) -> dict[str, Facts]:
        """One row per asset: its own columns, its additional attributes, its description
        and its file's EXIF place."""
        release = self.release
        present = table_columns(connection, release.asset_table)
        extra = table_columns(connection, "ZADDITIONALASSETATTRIBUTES")

        def column(name: str, owner: str = "a", known: set[str] = present) -> str:
            return f"{owner}.{name}" if name in known else "NULL"

        rows = connection.execute(
            f"""SELECT a.Z_PK, a.ZUUID, a.ZKIND, a.ZKINDSUBTYPE, a.ZFILENAME, a.ZDIRECTORY,
            a.ZUNIFORMTYPEIDENTIFIER, a.ZDATECREATED, a.ZADJUSTMENTTIMESTAMP,
            a.ZLATITUDE, a.ZLONGITUDE, a.ZWIDTH, a.ZHEIGHT, a.ZORIENTATION,
            a.ZHIDDEN, a.ZFAVORITE, a.{release.edited_column}, a.{release.hdr_column},
            a.{release.depth_column}, a.ZAVALANCHEUUID, a.ZCLOUDASSETGUID,
            a.ZSAVEDASSETTYPE, a.ZCLOUDBATCHPUBLISHDATE, a.ZMOMENTSHARE,
            {column("ZCOLLECTIONSHARE")}, {column("ZSPATIALTYPE")},
            {column("ZACTIVELIBRARYSCOPEPARTICIPATIONSTATE")},
            x.ZTITLE, x.ZORIGINALFILENAME, x.ZTIMEZONEOFFSET, x.ZTIMEZONENAME,
            x.ZORIGINALFILESIZE, x.ZCAMERACAPTUREDEVICE, x.ZORIGINALRESOURCECHOICE,
            {column("ZSYNDICATIONIDENTIFIER", "x", extra)},
            {column("ZSYNDICATIONHISTORY", "x", extra)},
            d.ZLONGDESCRIPTION, e.Z_PK, e.ZLATITUDE, e.ZLONGITUDE
            FROM {release.asset_table} a
            JOIN ZADDITIONALASSETATTRIBUTES x ON x.ZASSET = a.Z_PK
            LEFT JOIN ZASSETDESCRIPTION d ON d.Z_PK = x.ZASSETDESCRIPTION
            LEFT JOIN ZEXTENDEDATTRIBUTES e ON e.ZASSET = a.Z_PK{only.where()}""",
            only.parameters,
        )
        raws = self._raw_pairs(connection)
        found: dict[str, Facts] = {}
        for row in rows:
            if row[1] not in wanted:
                continue
            facts = self._facts(row)
            if facts is None:
                continue
            if row[0] in raws:
                facts.has_raw = True
                facts.uti_raw, facts.raw_on_volume = raws[row[0]]
            found[facts.uuid] = facts
        return found

    def _facts(self, row: tuple[Any, ...]) -> Facts | None:
        """One asset row as facts; None for an asset whose files are not under
        ``originals/`` (left to osxphotos)."""
        (_, uuid, kind, subtype, filename, folder, uti, created, edited_at) = row[:9]
        (latitude, longitude, width, height, orientation, hidden, favorite) = row[9:16]
        (edited, hdr, depth, burst, cloud_guid, saved_type, published, moment) = row[16:24]
        (collection, spatial, participation) = row[24:27]
        (title, original_name, offset, zone, size, camera, raw_choice) = row[27:34]
        (syndication, history, description, exif_row, exif_latitude, exif_longitude) = row[34:]
        release = self.release
        syndicated = syndication is not None if release.syndication else None
        saved = history != 0 if release.syndication else None
        referenced = saved_type == photos.SAVED_AS_REFERENCE
        if (
            published is not None
            or moment
            or collection is not None
            or (syndicated and not saved)
            or (referenced and subtype == photos.SUBTYPE_LIVE)
        ):
            return None
        placed = not (latitude == photos.NO_PLACE and longitude == photos.NO_PLACE)
        return Facts(
            uuid=uuid,
            original_filename=_composed(original_name),
            filename=_composed(filename) or "",
            date=capture_date(created, offset, zone),
            date_modified=local_date(edited_at),
            original_filesize=size,
            uti=uti,
            ismovie=kind == photos.KIND_VIDEO,
            live_photo=subtype == photos.SUBTYPE_LIVE,
            portrait=depth != 0,
            hdr=hdr == photos.RENDERED_HDR,
            panorama=subtype == photos.SUBTYPE_PANORAMA or hdr == photos.RENDERED_PANORAMA,
            screenshot=subtype == photos.SUBTYPE_SCREENSHOT,
            selfie=camera == photos.CAMERA_FRONT,
            slow_mo=subtype == photos.SUBTYPE_SLOMO,
            time_lapse=subtype == photos.SUBTYPE_TIMELAPSE,
            spatial=spatial or 0,
            burst=burst is not None,
            hasadjustments=bool(edited),
            hidden=bool(hidden),
            favorite=bool(favorite),
            shared_library=bool(participation) and release.shared_library,
            syndicated=syndicated,
            saved_to_library=saved,
            iscloudasset=cloud_guid is not None,
            title=_composed(title) or None,
            description=_composed(description),
            location=(latitude, longitude) if placed else (None, None),
            exif_info=None if exif_row is None else Place(exif_latitude, exif_longitude),
            width=width,
            height=height,
            orientation=orientation,
            raw_original=raw_choice == photos.ORIGINAL_IS_RAW,
            isreference=referenced,
            folder=folder or "",
        )

    def _raw_pairs(
        self, connection: sqlite3.Connection
    ) -> dict[int, tuple[str | None, str | None]]:
        """Assets with a RAW beside their JPEG: asset key -> (the RAW's type where the
        release records it on the resource, the RAW's path when it stayed on its volume).
        An asset with several such rows is described by the last."""
        if self.release.types_apart:
            kind = "t.ZIDENTIFIER"
            types = " JOIN ZUNIFORMTYPEIDENTIFIER t ON t.Z_PK = r.ZUNIFORMTYPEIDENTIFIER"
        else:
            kind, types = "NULL", ""
        pairs: dict[int, tuple[str | None, str | None]] = {}
        for asset, raw_kind, volume, path in connection.execute(
            f"""SELECT r.ZASSET, {kind}, v.ZNAME, b.ZPATHRELATIVETOVOLUME
            FROM ZINTERNALRESOURCE r{types}
            LEFT JOIN ZFILESYSTEMBOOKMARK b ON b.ZRESOURCE = r.Z_PK
            LEFT JOIN ZFILESYSTEMVOLUME v ON v.Z_PK = r.ZFILESYSTEMVOLUME
            WHERE r.ZDATASTORESUBTYPE = ?""",
            (photos.STORE_RAW,),
        ):
            on_volume = f"/Volumes/{volume}/{path}" if volume and path else None
            pairs[asset] = (raw_kind, on_volume)
        return pairs

    def _add_availability(
        self, connection: sqlite3.Connection, only: Only, found: dict[str, Facts]
    ) -> None:
        """Whether each original is on this Mac. The resource row that says so is the one
        holding the original's fingerprint where there is one, else the asset's original
        photo or video row; of several, the newest row decides."""
        release = self.release
        types = (
            " JOIN ZUNIFORMTYPEIDENTIFIER t ON t.Z_PK = r.ZUNIFORMTYPEIDENTIFIER"
            if release.types_apart
            else ""
        )
        by_resource = f"""SELECT a.ZUUID, r.Z_PK, r.ZLOCALAVAILABILITY
            FROM ZINTERNALRESOURCE r{types} JOIN {release.asset_table} a ON a.Z_PK = r.ZASSET
            JOIN ZADDITIONALASSETATTRIBUTES x ON x.ZASSET = a.Z_PK
            {
            only.where(
                f"r.ZDATASTORESUBTYPE IN ({photos.STORE_ORIGINAL}, {photos.STORE_ORIGINAL_VIDEO})"
            )
        }"""
        by_fingerprint = f"""SELECT a.ZUUID, r.Z_PK, r.ZLOCALAVAILABILITY
            FROM {release.asset_table} a JOIN ZADDITIONALASSETATTRIBUTES x ON x.ZASSET = a.Z_PK
            JOIN ZINTERNALRESOURCE r ON r.ZFINGERPRINT = x.{release.fingerprint_column}
            {only.where()}"""
        local = _newest(connection.execute(by_resource, only.parameters))
        local.update(_newest(connection.execute(by_fingerprint, only.parameters)))
        for uuid, facts in found.items():
            if uuid in local:
                facts.ismissing = local[uuid] != photos.LOCALLY_AVAILABLE

    def _add_keywords(
        self, connection: sqlite3.Connection, only: Only, found: dict[str, Facts]
    ) -> None:
        for uuid, title in connection.execute(
            f"""SELECT a.ZUUID, k.ZTITLE FROM Z_1KEYWORDS j
            JOIN ZKEYWORD k ON k.Z_PK = j.{self.release.keyword_column}
            JOIN ZADDITIONALASSETATTRIBUTES x ON x.Z_PK = j.Z_1ASSETATTRIBUTES
            JOIN {self.release.asset_table} a ON a.Z_PK = x.ZASSET{only.where()}""",
            only.parameters,
        ):
            facts = found.get(uuid)
            if facts is not None:
                facts.keywords.append(_composed(title) or "")
        for facts in found.values():
            facts.keywords.sort()

    def _add_faces(
        self, connection: sqlite3.Connection, only: Only, found: dict[str, Facts]
    ) -> None:
        """Each face of a named person: the name, and where the face is."""
        release = self.release
        for uuid, person, name, x, y, size in connection.execute(
            f"""SELECT a.ZUUID, p.ZPERSONUUID, p.ZFULLNAME, f.ZCENTERX, f.ZCENTERY, f.ZSIZE
            FROM ZDETECTEDFACE f
            JOIN {release.asset_table} a ON a.Z_PK = f.{release.face_asset_column}
            JOIN ZPERSON p ON p.Z_PK = f.{release.face_person_column}{only.where()}""",
            only.parameters,
        ):
            facts = found.get(uuid)
            full_name = _composed(name)
            if facts is not None and full_name:
                facts.persons.append(full_name)
                face = FaceFacts(full_name, PersonFacts(person), (x, y), size, facts)
                facts.face_info.append(face)


def _newest(rows: Iterable[tuple[str, int, int]]) -> dict[str, int]:
    """Asset UUID -> the value of its row with the highest key."""
    newest: dict[str, tuple[int, int]] = {}
    for uuid, key, value in rows:
        seen = newest.get(uuid)
        if seen is None or key > seen[0]:
            newest[uuid] = (key, value)
    return {uuid: value for uuid, (_, value) in newest.items()}


def _add_albums(found: dict[str, Facts], albums: list[PhotosAlbum]) -> None:
    for album in albums:
        listed = AlbumFacts(album.uuid, _composed(album.title), tuple(map(str, album.folders)))
        for uuid in album.assets & found.keys():
            found[uuid].album_info.append(listed)
    for facts in found.values():
        facts.album_info.sort(key=lambda album: album.title or "")


class Files:
    """Finds each asset's files on disk: its original, motion video, RAW and edit. Each
    folder of originals is listed at most once, for the RAWs in it."""

    def __init__(self, library: str, release: photos.Release) -> None:
        self.originals = os.path.join(library, "originals")
        self.renders = os.path.join(library, "resources", "renders")
        self.release = release
        self._folders: dict[str, FolderNames] = {}

    def locate(self, facts: Facts) -> None:
        folder = os.path.join(self.originals, facts.folder)
        if not facts.ismissing:
            facts.path = _file(os.path.join(folder, facts.filename))
        if facts.live_photo and facts.path:
            facts.path_live_photo = _file(os.path.join(folder, _beside(facts.filename, "_3.mov")))
        if facts.has_raw:
            facts.path_raw = self._raw(facts, folder)
            if not self.release.types_apart:
                facts.uti_raw = (
                    raw_type(PurePath(facts.path_raw).suffix) if facts.path_raw else None
                )
        if facts.hasadjustments:
            self._edit(facts)

    def _raw(self, facts: Facts, folder: str) -> str | None:
        """The RAW of a pair: beside the original as ``<stem>_4.<ext>``, or where it was
        bookmarked when imported as a reference; none while the original is not here."""
        if facts.ismissing:
            return None
        if facts.isreference:
            return _file(facts.raw_on_volume) if facts.raw_on_volume else None
        names = self._names(folder).beginning(PurePath(facts.filename).stem + "_4")
        return _file(os.path.join(folder, names[0])) if names else None

    def _names(self, folder: str) -> FolderNames:
        names = self._folders.get(folder)
        if names is None:
            listed = os.listdir(folder) if os.path.isdir(folder) else []
            names = self._folders[folder] = FolderNames(listed)
        return names

    def _edit(self, facts: Facts) -> None:
        """An edited asset's rendering and the orientation its edit gave it."""
        renders = os.path.join(self.renders, facts.uuid[0])
        if facts.ismovie:
            rendering = f"{facts.uuid}_2_0_a.mov"
        elif facts.uti == "public.heic" and self.release.heic_renders:
            rendering = f"{facts.uuid}_1_201_a.heic"
        else:
            rendering = f"{facts.uuid}_1_201_a.jpeg"
        facts.path_edited = _file(os.path.join(renders, rendering))
        adjustments = os.path.join(renders, f"{facts.uuid}.plist")
        facts.orientation = edit_orientation(adjustments) if os.path.isfile(adjustments) else 0
        if facts.live_photo:
            motion = os.path.join(renders, f"{facts.uuid}_2_100_a.mov")
            facts.path_edited_live_photo = _file(motion)


def _file(path: str) -> str | None:
    """The path if a file is there."""
    return path if os.path.isfile(path) else None


def _beside(filename: str, ending: str) -> str:
    """The name of a companion file: the original's stem with ``ending``."""
    return PurePath(filename).stem + ending

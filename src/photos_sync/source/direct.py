"""osxphotos' facts of many assets at once, read straight from Photos' database.

osxphotos answers only after it has loaded the whole library: every person, face, album,
moment, score, search label and EXIF row (13 s on 100k assets), and a first import then
asks it about each asset in turn. This module reads only what :func:`~photos_sync.source.
library.to_record` needs, one query per table, and hands each asset on as the same
attributes a ``PhotoInfo`` has, so one function makes our records from either.

osxphotos stays the reference for what each fact means. The queries are its own (its
table and column names per Photos release, its rules for a missing file, an edited photo's
orientation and a face's box), its conversions are copied in
:mod:`~photos_sync.source.conversions` (its package takes most of a second to import), and
a test compares every asset of every fixture library with what osxphotos says of it. The
assets whose files live somewhere else than ``originals/`` (iCloud shared albums, shared
moments, "Shared with You" not saved) and referenced Live Photos are left to osxphotos:
the reader declines them, and :class:`~photos_sync.source.library.PhotosLibrary` asks
osxphotos about those alone.
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
from typing import NamedTuple

from photos_sync.source.catalog import Catalog, PhotosAlbum, table_columns, undecodable
from photos_sync.source.conversions import (
    TABLE_NAMES,
    Area,
    Listing,
    edit_orientation,
    face_area,
    osxphotos_release,
    photos_date,
    photos_date_local,
    raw_type,
)

log = logging.getLogger(__name__)

MOVIE_KIND = 1  # ZKIND: 0 a photo, 1 a video
SUBTYPE_PANORAMA, SUBTYPE_LIVE, SUBTYPE_SCREENSHOT = 1, 2, 10  # ZKINDSUBTYPE
SUBTYPE_SLOMO, SUBTYPE_TIMELAPSE = 101, 102
RENDERED_HDR, RENDERED_PANORAMA = 3, 6  # ZCUSTOMRENDEREDVALUE
FRONT_CAMERA = 1  # ZCAMERACAPTUREDEVICE
REFERENCED_FILE = 10  # ZSAVEDASSETTYPE: imported without copying into the library
NO_LOCATION = -180.0  # Photos' latitude and longitude when it has none


def _nfc(text: str | None) -> str | None:
    """Text as osxphotos hands it out: Unicode NFC (HFS+ stored some names decomposed)."""
    return unicodedata.normalize("NFC", text) if text is not None else None


class Place(NamedTuple):
    """The location the file's EXIF has (``PhotoInfo.exif_info``)."""

    latitude: float | None
    longitude: float | None


class AlbumFacts(NamedTuple):
    """What ``to_record`` reads of an osxphotos ``AlbumInfo``."""

    uuid: str
    title: str | None
    folder_names: tuple[str, ...]


class PersonFacts(NamedTuple):
    uuid: str


@dataclass(slots=True)
class FaceFacts:
    """What ``to_record`` reads of an osxphotos ``FaceInfo``."""

    name: str
    person_info: PersonFacts
    center: tuple[float, float]  # as Photos stores it: on the unrotated image, y upwards
    size: float
    photo: Facts

    @property
    def mwg_rs_area(self) -> Area:
        """The box on the image as shown, read when asked: an edit's orientation is known
        only once the paths are (as with osxphotos)."""
        photo = self.photo
        return face_area(self.center, self.size, photo.width, photo.height, photo.orientation)


@dataclass(slots=True)
class Facts:
    """One asset's facts under the names ``PhotoInfo`` gives them (see ``PhotoFacts``)."""

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
    ismissing: bool
    iscloudasset: bool
    title: str | None
    location: tuple[float | None, float | None]
    width: int
    height: int
    orientation: int
    raw_original: bool
    description: str | None = None
    keywords: list[str] = field(default_factory=list)
    persons: list[str] = field(default_factory=list)
    album_info: list[AlbumFacts] = field(default_factory=list)
    face_info: list[FaceFacts] = field(default_factory=list)
    exif_info: Place | None = None
    path: str | None = None
    path_live_photo: str | None = None
    path_edited: str | None = None
    path_edited_live_photo: str | None = None
    has_raw: bool = False
    isreference: bool = False
    uti_raw: str | None = None
    path_raw: str | None = None
    folder: str = ""  # ZDIRECTORY: under originals/, or absolute for a referenced file
    raw_on_volume: str | None = None  # a referenced RAW's path, as Photos bookmarked it


class Only(NamedTuple):
    """A condition limiting a query to some assets, and its parameters (empty: every one)."""

    condition: str
    parameters: tuple[str, ...]

    def where(self, own: str = "") -> str:
        """The WHERE clause of a query whose own condition is ``own`` (if any)."""
        if not self.condition:
            return f" WHERE {own}" if own else ""
        return f" WHERE ({own}) AND {self.condition}" if own else f" WHERE {self.condition}"


EVERY = Only("", ())


class DirectReader:
    """Reads :class:`Facts` for many assets of one library with a handful of queries."""

    FEW = 1000  # up to this many wanted assets, queries look them up by UUID

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.library = str(catalog.library.resolve())  # osxphotos' paths are resolved
        self.originals = os.path.join(self.library, "originals")
        self.release = osxphotos_release(catalog.model_version)
        self.names = TABLE_NAMES[self.release]
        self.asset = self.names["ASSET"]

    def read(self, uuids: Iterable[str], albums: list[PhotosAlbum]) -> dict[str, Facts]:
        """Facts of the wanted assets this reader covers; the others are left out."""
        wanted = set(uuids)
        only = self._only(wanted)
        found = self.catalog.read(lambda connection: self._tables(connection, only, wanted))
        if found is None:
            return {}
        self._add_albums(found, albums)
        folders = Folders(self.originals)
        for facts in found.values():
            _add_paths(facts, folders, self.library, self.release)
        return found

    def _tables(
        self, connection: sqlite3.Connection, only: Only, wanted: set[str]
    ) -> dict[str, Facts] | None:
        """What the wanted assets' rows say; None if a query fails."""
        try:
            found = self._assets(connection, only, wanted)
            self._add_missing(connection, only, found)
            self._add_descriptions(connection, only, found)
            self._add_keywords(connection, only, found)
            self._add_people(connection, only, found)
            self._add_exif(connection, found)
        except sqlite3.Error as error:
            if undecodable(error):
                raise  # read again, decoding tolerantly (Catalog.read)
            # A schema this reader does not know: osxphotos reads every asset instead.
            log.debug("Direct read of %s failed", self.library, exc_info=True)
            return None
        return found

    def _only(self, wanted: set[str]) -> Only:
        """A clause that limits a query to the wanted assets when they are few (a night
        with a few changes): SQLite then finds them by UUID instead of walking every
        asset."""
        if len(wanted) > self.FEW:
            return EVERY
        condition = f"{self.asset}.ZUUID IN (SELECT value FROM json_each(?))"
        return Only(condition, (json.dumps(sorted(wanted)),))

    def _assets(
        self, connection: sqlite3.Connection, only: Only, wanted: set[str]
    ) -> dict[str, Facts]:
        a, names = self.asset, self.names
        columns = table_columns(connection, a)
        optional = {
            name: f"{a}.{name}" if name in columns else "NULL"
            for name in (
                "ZSPATIALTYPE",
                "ZACTIVELIBRARYSCOPEPARTICIPATIONSTATE",
                "ZCOLLECTIONSHARE",
            )
        }
        extra = table_columns(connection, "ZADDITIONALASSETATTRIBUTES")
        syndication = (
            "ZADDITIONALASSETATTRIBUTES.ZSYNDICATIONHISTORY,"
            " ZADDITIONALASSETATTRIBUTES.ZSYNDICATIONIDENTIFIER"
            if self.release >= 7 and "ZSYNDICATIONIDENTIFIER" in extra
            else "NULL, NULL"
        )
        rows = connection.execute(
            f"""SELECT {a}.Z_PK, {a}.ZUUID, ZADDITIONALASSETATTRIBUTES.ZTITLE,
            ZADDITIONALASSETATTRIBUTES.ZORIGINALFILENAME, {a}.ZDATECREATED,
            ZADDITIONALASSETATTRIBUTES.ZTIMEZONEOFFSET, ZADDITIONALASSETATTRIBUTES.ZTIMEZONENAME,
            {a}.ZHIDDEN, {a}.ZFAVORITE, {a}.ZDIRECTORY, {a}.ZFILENAME, {a}.ZLATITUDE,
            {a}.ZLONGITUDE, {names["HAS_ADJUSTMENTS"]}, {a}.ZCLOUDBATCHPUBLISHDATE, {a}.ZKIND,
            {a}.ZUNIFORMTYPEIDENTIFIER, {a}.ZAVALANCHEUUID, {a}.ZKINDSUBTYPE,
            {a}.{names["HDR_TYPE"]}, ZADDITIONALASSETATTRIBUTES.ZCAMERACAPTUREDEVICE,
            {a}.ZCLOUDASSETGUID, ZADDITIONALASSETATTRIBUTES.ZORIGINALRESOURCECHOICE,
            {a}.ZHEIGHT, {a}.ZWIDTH, {a}.ZORIENTATION,
            ZADDITIONALASSETATTRIBUTES.ZORIGINALFILESIZE, {names["DEPTH_STATE"]},
            {a}.ZADJUSTMENTTIMESTAMP, {a}.ZSAVEDASSETTYPE, {a}.ZMOMENTSHARE,
            {optional["ZSPATIALTYPE"]}, {optional["ZACTIVELIBRARYSCOPEPARTICIPATIONSTATE"]},
            {optional["ZCOLLECTIONSHARE"]}, {syndication}
            FROM {a} JOIN ZADDITIONALASSETATTRIBUTES
            ON ZADDITIONALASSETATTRIBUTES.ZASSET = {a}.Z_PK{only.where()}""",
            only.parameters,
        )
        raws = self._raws(connection)
        found: dict[str, Facts] = {}
        modern = self.release >= 7
        for pk, *row in rows:
            uuid = row[0]
            if uuid not in wanted:
                continue
            (title, original, created, offset, zone, hidden, favorite, folder, name) = row[1:10]
            (latitude, longitude, adjusted, published, kind, uti, burst, subtype) = row[10:18]
            (rendered, camera, guid, raw_choice, height, width, orientation) = row[18:25]
            (size, depth, edited_at, saved_type, moment_share, spatial) = row[25:31]
            (participation, collection_share, history, syndication_id) = row[31:35]
            syndicated = (syndication_id is not None) if modern else None
            saved = (history != 0) if modern else None
            elsewhere = (
                published is not None
                or moment_share
                or collection_share is not None
                or (syndicated and not saved)
                or (saved_type == REFERENCED_FILE and subtype == SUBTYPE_LIVE)
            )
            if elsewhere:
                continue
            unplaced = latitude == NO_LOCATION and longitude == NO_LOCATION
            facts = Facts(
                uuid=uuid,
                original_filename=_nfc(original),
                filename=_nfc(name) or "",
                date=photos_date(created, offset, zone),
                date_modified=photos_date_local(edited_at),
                original_filesize=size,
                uti=uti,
                ismovie=kind == MOVIE_KIND,
                live_photo=subtype == SUBTYPE_LIVE,
                portrait=depth != 0,
                hdr=rendered == RENDERED_HDR,
                panorama=subtype == SUBTYPE_PANORAMA or rendered == RENDERED_PANORAMA,
                screenshot=subtype == SUBTYPE_SCREENSHOT,
                selfie=camera == FRONT_CAMERA,
                slow_mo=subtype == SUBTYPE_SLOMO,
                time_lapse=subtype == SUBTYPE_TIMELAPSE,
                spatial=spatial or 0,
                burst=burst is not None,
                hasadjustments=bool(adjusted),
                hidden=bool(hidden),
                favorite=bool(favorite),
                shared_library=bool(participation) if self.release >= 8 else False,
                syndicated=syndicated,
                saved_to_library=saved,
                ismissing=False,
                iscloudasset=guid is not None,
                title=_nfc(title) or None,
                location=(None, None) if unplaced else (latitude, longitude),
                width=width,
                height=height,
                orientation=orientation,
                raw_original=raw_choice == 1,
                isreference=saved_type == REFERENCED_FILE,
                folder=folder or "",
            )
            if pk in raws:
                facts.has_raw = True
                facts.uti_raw, facts.raw_on_volume = raws[pk]
            found[uuid] = facts
        return found

    def _raws(self, connection: sqlite3.Connection) -> dict[int, tuple[str | None, str | None]]:
        """RAW+JPEG pairs: asset key -> (the RAW's type as Photos 5 and 6 record it, the RAW's
        path on a volume when the pair was imported as a reference), later rows winning."""
        if self.release >= 7:
            query = "SELECT ZASSET, NULL FROM ZINTERNALRESOURCE WHERE ZDATASTORESUBTYPE = 17"
        else:
            query = (
                "SELECT ZINTERNALRESOURCE.ZASSET, ZUNIFORMTYPEIDENTIFIER.ZIDENTIFIER"
                " FROM ZINTERNALRESOURCE JOIN ZUNIFORMTYPEIDENTIFIER"
                " ON ZUNIFORMTYPEIDENTIFIER.Z_PK = ZINTERNALRESOURCE.ZUNIFORMTYPEIDENTIFIER"
                " WHERE ZDATASTORESUBTYPE = 17"
            )
        types = dict(connection.execute(query).fetchall())
        volumes = {
            pk: f"/Volumes/{volume}/{path}"
            for pk, volume, path in connection.execute(
                """SELECT ZINTERNALRESOURCE.ZASSET, ZFILESYSTEMVOLUME.ZNAME,
                ZFILESYSTEMBOOKMARK.ZPATHRELATIVETOVOLUME FROM ZINTERNALRESOURCE
                JOIN ZFILESYSTEMBOOKMARK ON ZFILESYSTEMBOOKMARK.ZRESOURCE = ZINTERNALRESOURCE.Z_PK
                JOIN ZFILESYSTEMVOLUME
                ON ZFILESYSTEMVOLUME.Z_PK = ZINTERNALRESOURCE.ZFILESYSTEMVOLUME
                WHERE ZINTERNALRESOURCE.ZDATASTORESUBTYPE = 17"""
            )
        }
        return {pk: (uti, volumes.get(pk)) for pk, uti in types.items()}

    def _add_missing(
        self, connection: sqlite3.Connection, only: Only, found: dict[str, Facts]
    ) -> None:
        """Whether the original is on this Mac, as osxphotos decides: its two queries in its
        order, a later row overwriting an earlier one. Rows of one asset rarely disagree;
        when some do, their order decides, so every asset is read in the order osxphotos
        meets them rather than the order a lookup by UUID would give."""
        decided = self._availability(connection, only)
        if only.condition and any(len(set(rows)) > 1 for rows in decided.values()):
            decided = self._availability(connection, EVERY)
        for uuid, rows in decided.items():
            facts = found.get(uuid)
            if facts is not None:
                facts.ismissing = rows[-1] != 1

    def _availability(self, connection: sqlite3.Connection, only: Only) -> dict[str, list[int]]:
        """Asset -> the local availability of each row that decides, in order: those of its
        original's fingerprint where it has any, else those of its resources."""
        a, names = self.asset, self.names
        uti_join = (
            ""
            if self.release >= 7
            else " JOIN ZUNIFORMTYPEIDENTIFIER"
            " ON ZUNIFORMTYPEIDENTIFIER.Z_PK = ZINTERNALRESOURCE.ZUNIFORMTYPEIDENTIFIER"
        )
        resources = f"""SELECT {a}.ZUUID, ZINTERNALRESOURCE.ZLOCALAVAILABILITY FROM {a}
            JOIN ZADDITIONALASSETATTRIBUTES ON ZADDITIONALASSETATTRIBUTES.ZASSET = {a}.Z_PK
            JOIN ZINTERNALRESOURCE ON ZINTERNALRESOURCE.ZASSET = ZADDITIONALASSETATTRIBUTES.ZASSET
            {uti_join}{only.where("ZDATASTORESUBTYPE = 1 OR ZDATASTORESUBTYPE = 3")}"""
        fingerprints = f"""SELECT {a}.ZUUID, ZINTERNALRESOURCE.ZLOCALAVAILABILITY FROM {a}
            JOIN ZADDITIONALASSETATTRIBUTES ON ZADDITIONALASSETATTRIBUTES.ZASSET = {a}.Z_PK
            JOIN ZINTERNALRESOURCE
            ON ZINTERNALRESOURCE.ZFINGERPRINT = {names["MASTER_FINGERPRINT"]}{only.where()}"""
        decided: dict[str, list[int]] = {}
        for uuid, local in connection.execute(resources, only.parameters):
            decided.setdefault(uuid, []).append(local)
        by_fingerprint: dict[str, list[int]] = {}
        for uuid, local in connection.execute(fingerprints, only.parameters):
            by_fingerprint.setdefault(uuid, []).append(local)
        decided.update(by_fingerprint)
        return decided

    def _add_descriptions(
        self, connection: sqlite3.Connection, only: Only, found: dict[str, Facts]
    ) -> None:
        a = self.asset
        for uuid, text in connection.execute(
            f"""SELECT {a}.ZUUID, ZASSETDESCRIPTION.ZLONGDESCRIPTION FROM {a}
            JOIN ZADDITIONALASSETATTRIBUTES ON ZADDITIONALASSETATTRIBUTES.ZASSET = {a}.Z_PK
            JOIN ZASSETDESCRIPTION
            ON ZASSETDESCRIPTION.Z_PK = ZADDITIONALASSETATTRIBUTES.ZASSETDESCRIPTION
            {only.where()}""",
            only.parameters,
        ):
            if uuid in found:
                found[uuid].description = _nfc(text)

    def _add_keywords(
        self, connection: sqlite3.Connection, only: Only, found: dict[str, Facts]
    ) -> None:
        a = self.asset
        for title, uuid in connection.execute(
            f"""SELECT ZKEYWORD.ZTITLE, {a}.ZUUID FROM {a}
            JOIN ZADDITIONALASSETATTRIBUTES ON ZADDITIONALASSETATTRIBUTES.ZASSET = {a}.Z_PK
            JOIN Z_1KEYWORDS ON Z_1KEYWORDS.Z_1ASSETATTRIBUTES = ZADDITIONALASSETATTRIBUTES.Z_PK
            JOIN ZKEYWORD ON ZKEYWORD.Z_PK = {self.names["KEYWORD_JOIN"]}{only.where()}""",
            only.parameters,
        ):
            if uuid in found:
                found[uuid].keywords.append(_nfc(title) or "")
        for facts in found.values():
            facts.keywords.sort()

    def _add_people(
        self, connection: sqlite3.Connection, only: Only, found: dict[str, Facts]
    ) -> None:
        """Each detected face of a person: the person's name, and the face's box."""
        a, names = self.asset, self.names
        for uuid, person, full_name, x, y, size in connection.execute(
            f"""SELECT {a}.ZUUID, ZPERSON.ZPERSONUUID, ZPERSON.ZFULLNAME,
            ZDETECTEDFACE.ZCENTERX, ZDETECTEDFACE.ZCENTERY, ZDETECTEDFACE.ZSIZE
            FROM ZDETECTEDFACE JOIN {a} ON {a}.Z_PK = {names["DETECTED_FACE_ASSET_FK"]}
            JOIN ZPERSON ON ZPERSON.Z_PK = {names["DETECTED_FACE_PERSON_FK"]}{only.where()}""",
            only.parameters,
        ):
            facts = found.get(uuid)
            if facts is None:
                continue
            name = _nfc(full_name)
            if name:
                facts.persons.append(name)
                facts.face_info.append(FaceFacts(name, PersonFacts(person), (x, y), size, facts))

    def _add_exif(self, connection: sqlite3.Connection, found: dict[str, Facts]) -> None:
        a = self.asset
        for uuid, latitude, longitude in connection.execute(
            f"""SELECT {a}.ZUUID, ZEXTENDEDATTRIBUTES.ZLATITUDE, ZEXTENDEDATTRIBUTES.ZLONGITUDE
            FROM {a} JOIN ZEXTENDEDATTRIBUTES ON ZEXTENDEDATTRIBUTES.ZASSET = {a}.Z_PK"""
        ):
            if uuid in found:
                found[uuid].exif_info = Place(latitude, longitude)

    def _add_albums(self, found: dict[str, Facts], albums: list[PhotosAlbum]) -> None:
        for album in albums:
            facts = AlbumFacts(album.uuid, _nfc(album.title), tuple(map(str, album.folders)))
            for uuid in album.assets & found.keys():
                found[uuid].album_info.append(facts)
        for found_facts in found.values():
            found_facts.album_info.sort(key=lambda album: album.title or "")


class Folders:
    """The folders originals are in (a few dozen), each joined and listed once for all the
    assets in it."""

    def __init__(self, originals: str) -> None:
        self.originals = originals
        self._paths: dict[str, str] = {}
        self._listings: dict[str, Listing] = {}

    def path(self, folder: str) -> str:
        """ZDIRECTORY's folder: under originals/, or a referenced file's own."""
        path = self._paths.get(folder)
        if path is None:
            path = self._paths[folder] = os.path.join(self.originals, folder)
        return path

    def listing(self, path: str) -> Listing:
        """What the folder holds; nothing if it is not a folder (as osxphotos lists)."""
        listing = self._listings.get(path)
        if listing is None:
            names = os.listdir(path) if os.path.isdir(path) else []
            listing = self._listings[path] = Listing(names)
        return listing


def _add_paths(facts: Facts, folders: Folders, library: str, release: float) -> None:
    """Where each file is, as osxphotos finds it (``PhotoInfo.path`` and the others)."""
    where = folders.path(facts.folder)
    if not facts.ismissing:
        path = os.path.join(where, facts.filename)
        facts.path = path if os.path.isfile(path) else None
    if facts.has_raw:
        _add_raw(facts, where, folders, release)
    if facts.hasadjustments:
        renders = os.path.join(library, "resources", "renders", facts.uuid[0])
        if facts.ismovie:
            name = f"{facts.uuid}_2_0_a.mov"
        elif release != 5 and facts.uti == "public.heic":
            name = f"{facts.uuid}_1_201_a.heic"
        else:
            name = f"{facts.uuid}_1_201_a.jpeg"
        edited = os.path.join(renders, name)
        facts.path_edited = edited if os.path.isfile(edited) else None
        facts.orientation = _edited_orientation(facts.uuid, renders)
        if facts.live_photo:
            motion = os.path.join(renders, f"{facts.uuid}_2_100_a.mov")
            facts.path_edited_live_photo = motion if os.path.isfile(motion) else None
    if facts.live_photo and facts.path:
        original = PurePath(facts.path)
        motion = str(original.parent / f"{original.stem}_3.mov")
        facts.path_live_photo = motion if os.path.isfile(motion) else None


def _add_raw(facts: Facts, where: str, folders: Folders, release: float) -> None:
    """The RAW half of a pair: beside the original as ``<its name>_4.<ext>`` (osxphotos'
    search), or on its volume when referenced; none while the original is not local."""
    referenced = facts.raw_on_volume
    if facts.ismissing:
        path = None
    elif facts.isreference:
        path = referenced if referenced and os.path.isfile(referenced) else None
    else:
        stem = PurePath(facts.filename).stem
        found = folders.listing(where).starting(f"{stem}_4")
        path = os.path.join(where, found[0]) if found else None
        path = path if path and os.path.isfile(path) else None
    facts.path_raw = path
    if release >= 7:
        facts.uti_raw = raw_type(PurePath(path).suffix) if path else None


def _edited_orientation(uuid: str, renders: str) -> int:
    """An edited photo's orientation is its edit's (osxphotos reads the adjustments plist
    beside the rendering); 0 when the plist is not there."""
    plist = os.path.join(renders, f"{uuid}.plist")
    return edit_orientation(plist) if os.path.isfile(plist) else 0

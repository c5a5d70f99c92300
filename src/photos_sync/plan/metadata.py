"""What Immich must be told so it shows what Photos shows: favorites, descriptions, tags,
albums, burst stacks. Pure logic: desired state (Photos) against what was already sent
(the tracker), so a nightly sync sends only what changed, and nothing when nothing did."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from photos_sync.immich.records import Reading, ServerAlbum, ServerValues
from photos_sync.source.catalog import CatalogEntry, PhotosAlbum
from photos_sync.source.records import TURNED_ORIENTATIONS
from photos_sync.track.metadata import ImportedAsset, MetadataRows

Ref = tuple[str, str]  # (Photos UUID, Immich asset id)


@dataclass(frozen=True)
class AlbumWork:
    uuid: str
    name: str
    folders: str
    immich_id: str | None  # None: create it
    rename: bool
    add: list[Ref]
    remove: list[Ref] = field(default_factory=list)  # taken out of the album in Photos


@dataclass(frozen=True)
class StackWork:
    key: str  # "burst:<Photos burst id>"
    members: list[Ref]  # the cover first


@dataclass(frozen=True)
class PersonWork:
    """A named person of Photos to make in Immich (``immich_id`` None) or rename there."""

    photos_uuid: str
    name: str
    immich_id: str | None


@dataclass(frozen=True)
class FaceWork:
    """One face box to put on (or, ``remove``, take off) an asset for a Photos person."""

    asset_uuid: str
    immich_id: str
    person_uuid: str
    box: tuple[float, float, float, float]  # left, top, right, bottom of the shown image
    size: tuple[int, int]  # the shown image's width and height
    remove: bool = False

    @property
    def pixels(self) -> tuple[int, int, int, int]:
        return box_pixels(self.box, self.size)


def box_pixels(
    box: tuple[float, float, float, float], size: tuple[int, int]
) -> tuple[int, int, int, int]:
    """A face box as fractions of the shown image, as ``POST /faces`` takes it: x, y,
    width and height in that image's pixels."""
    width, height = size
    left, top, right, bottom = box
    x, y = round(left * width), round(top * height)
    return x, y, round(right * width) - x, round(bottom * height) - y


@dataclass(frozen=True)
class NewFace:
    """A named face placed through ``POST /faces`` as soon as its photo's upload returns,
    where the server does not import faces from sidecars: the person's Immich id, the shown
    image's size, the box in its pixels, and the face as ``applied_metadata`` records it
    (Photos person, then the box: what :func:`_face_changes` compares)."""

    person_id: str
    size: tuple[int, int]
    pixels: tuple[int, int, int, int]
    record: tuple[Any, ...]


@dataclass(frozen=True)
class MetadataOptions:
    album_prefix: str = ""
    people_tags: bool = False  # named persons as tags "people/<name>"
    hidden_visibility: str = "archive"  # where hidden photos go (--hidden-as)
    raw_primary: bool = False  # RAW+JPEG stacks: the RAW on top instead of the JPEG
    people: bool = True  # named people as Immich people, with their faces (--people)
    match_names: bool = False  # an existing Immich person of the same name is taken


PEOPLE_TAG = "people/"


# The fields Immich writes to an asset's XMP sidecar when they change (with its tags).
SIDECAR_FIELDS = frozenset({"description", "dateTimeOriginal", "latitude", "longitude"})


@dataclass
class MetadataPlan:
    favorites: dict[bool, list[Ref]] = field(default_factory=lambda: {True: [], False: []})
    # One PUT per asset: description, dateTimeOriginal, latitude/longitude, visibility.
    updates: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    tags: dict[str, list[Ref]] = field(default_factory=dict)
    untags: dict[str, list[Ref]] = field(default_factory=dict)  # keywords removed in Photos
    albums: list[AlbumWork] = field(default_factory=list)
    stacks: list[StackWork] = field(default_factory=list)
    people: list[PersonWork] = field(default_factory=list)
    faces: list[FaceWork] = field(default_factory=list)
    applied: dict[str, dict[str, Any]] = field(default_factory=dict)  # per asset, once sent
    deferred: int = 0  # new uploads Immich was still reading: their EXIF-side fields wait
    # Photos UUID -> the key of its inputs (settle_key), for the assets planned in full:
    # recorded once all of it was sent, so the next run leaves it unread if nothing moved.
    settle: dict[str, str] = field(default_factory=dict)
    match_names: bool = False  # take an Immich person of the same name (--people-match-names)
    albums_found: int = 0  # of the albums to create, those found made already (by their mark)

    def counts(self) -> dict[str, int]:
        return {
            "favorites": sum(len(refs) for refs in self.favorites.values()),
            "updates": len(self.updates),
            "tags": sum(len(refs) for refs in self.tags.values()),
            "tags_removed": sum(len(refs) for refs in self.untags.values()),
            "albums_created": sum(1 for a in self.albums if a.immich_id is None)
            - self.albums_found,
            "albums_found_again": self.albums_found,
            "albums_renamed": sum(1 for a in self.albums if a.rename),
            "album_additions": sum(len(a.add) for a in self.albums),
            "album_removals": sum(len(a.remove) for a in self.albums),
            "stacks": len(self.stacks),
            "people_created": sum(1 for p in self.people if p.immich_id is None),
            "people_renamed": sum(1 for p in self.people if p.immich_id is not None),
            "faces": sum(1 for f in self.faces if not f.remove),
            "faces_removed": sum(1 for f in self.faces if f.remove),
            "deferred_to_next_run": self.deferred,
        }

    @property
    def empty(self) -> bool:
        return not any(n for name, n in self.counts().items() if name != "deferred_to_next_run")

    def exif_writes(self) -> set[str]:
        """Immich ids whose EXIF-side fields (description, date, place, tags) change: what
        Immich's own metadata extraction of a new upload would overwrite."""
        return {immich_id for _, immich_id, _ in self.updates} | self.retagged()

    def retagged(self) -> set[str]:
        """Immich ids whose tags change."""
        return {i for refs in (*self.tags.values(), *self.untags.values()) for _, i in refs}

    def field_writes(self) -> set[str]:
        """Immich ids whose description, date or place change."""
        return {i for _, i, changes in self.updates if SIDECAR_FIELDS & changes.keys()}

    def favored(self) -> set[str]:
        """Immich ids made a favorite or no longer one."""
        return {i for refs in self.favorites.values() for _, i in refs}

    def defer_favorites(self, immich_ids: set[str]) -> None:
        """Leave out the favorite change of these assets (Immich was still rewriting their
        sidecars for an earlier change when the wait ended), recorded as not sent: the
        next run sends it."""
        if not immich_ids:
            return
        uuids: set[str] = set()
        for favorite, refs in self.favorites.items():
            uuids.update(uuid.split(":")[0] for uuid, i in refs if i in immich_ids)
            self.favorites[favorite] = [ref for ref in refs if ref[1] not in immich_ids]
        for uuid in uuids:
            self.applied.get(uuid, {}).pop("favorite", None)
            self.settle.pop(uuid, None)
        self.deferred += len(uuids)

    def defer(self, immich_ids: set[str]) -> None:
        """Leave out the EXIF-side fields of these assets (new uploads Immich has not
        finished reading: its extraction would overwrite them) and record them as not sent,
        so the next run sends them; favorites and albums still go now."""
        if not immich_ids:
            return
        uuids = {uuid for uuid, immich_id, _ in self.updates if immich_id in immich_ids}
        self.updates = [u for u in self.updates if u[1] not in immich_ids]
        for changes in (self.tags, self.untags):
            for name, refs in list(changes.items()):
                uuids.update(uuid for uuid, immich_id in refs if immich_id in immich_ids)
                kept = [ref for ref in refs if ref[1] not in immich_ids]
                if kept:
                    changes[name] = kept
                else:
                    del changes[name]
        for uuid in uuids & self.applied.keys():
            self.applied[uuid] = {k: v for k, v in self.applied[uuid].items() if k == "favorite"}
        for uuid in uuids:
            self.settle.pop(uuid, None)
        self.deferred += len(uuids)

    def keep_dates_read(self, read: Mapping[str, Reading]) -> None:
        """Leave out the date of a new upload when Immich read the same from its file: the
        same moment shown at the same wall time (an iPhone photo's offset, or a place's
        zone giving the same). Immich then shows what Photos shows without a request, a
        sidecar rewrite and a read-back per asset. The date counts as sent. With a place,
        it goes all the same: Immich would show the date in the place's zone."""
        kept = []
        for uuid, immich_id, changes in self.updates:
            reading = read.get(immich_id)
            moved = "latitude" in changes
            if (
                reading
                and "dateTimeOriginal" in changes
                and not moved
                and same_date(changes, reading)
            ):
                changes = {k: v for k, v in changes.items() if k != "dateTimeOriginal"}
            if changes:
                kept.append((uuid, immich_id, changes))
        self.updates = kept

    def defer_fields(self, immich_ids: set[str]) -> None:
        """Leave out the sidecar fields (description, date, place) of these assets, whose
        sidecar Immich was still rewriting for their tags when the wait ended, and record
        them as not sent: the next run sends them. Their tags and the rest go now."""
        kept = []
        for uuid, immich_id, changes in self.updates:
            if immich_id in immich_ids:
                changes = {k: v for k, v in changes.items() if k not in SIDECAR_FIELDS}
                applied = self.applied.get(uuid, {})
                for sent in ("description", "date", "location"):
                    applied.pop(sent, None)
                self.settle.pop(uuid, None)
                self.deferred += 1
            if changes:
                kept.append((uuid, immich_id, changes))
        self.updates = kept


Flags = tuple[bool, bool] | None  # (favorite, hidden) in Photos; None: not in the library


def settle_key(options: MetadataOptions, flags: Flags, companions: str | None) -> str:
    """The inputs of an asset's own metadata beyond what Photos says of it, as one short
    key: its favorite and hidden flags, its companions and the options that shape what it
    gets. What Photos says of it (the tracker's ``photos_metadata``) is not read for this:
    the scan clears the recorded key whenever it stores something new there. Albums,
    stacks and people's names are planned apart."""
    shown = "-" if flags is None else f"{flags[0]:d}{flags[1]:d}"
    shape = f"{options.people_tags:d}{options.people:d}{options.hidden_visibility}"
    inputs = "\x1f".join((shape, shown, companions or ""))
    return hashlib.blake2b(inputs.encode(), digest_size=16).hexdigest()


def same_date(changes: Mapping[str, Any], reading: Reading) -> bool:
    """Whether Immich already shows the date to send: the same moment (to the millisecond)
    at the same wall time. Anything unreadable counts as different, so it is sent."""
    try:
        wanted = datetime.fromisoformat(str(changes["dateTimeOriginal"]))
        taken = datetime.fromisoformat(str(reading.taken))
        local = datetime.fromisoformat(str(reading.local)).replace(tzinfo=None)
    except ValueError:
        return False
    if wanted.tzinfo is None or taken.tzinfo is None:
        return False
    return wanted == taken and wanted.replace(tzinfo=None) == local


def album_name(album: PhotosAlbum, prefix: str) -> str:
    return f"{prefix}{album.title}"


# An album photos-sync makes carries its Photos album's UUID in its description, so it is
# found again when an answer was lost or the tracker is new: never made twice.
ALBUM_MARK = re.compile(r"\[photos-sync:([0-9A-Fa-f-]{36})\]")


def album_description(photos_uuid: str) -> str:
    return f"From Apple Photos, kept in step by photos-sync. [photos-sync:{photos_uuid}]"


def marked_albums(albums: Iterable[ServerAlbum]) -> dict[str, list[ServerAlbum]]:
    """Server albums photos-sync made, by Photos album UUID (more than one: a twin)."""
    found: dict[str, list[ServerAlbum]] = {}
    for album in albums:
        mark = ALBUM_MARK.search(album.description)
        if mark:
            found.setdefault(mark.group(1).upper(), []).append(album)
    return found


def first_made(albums: Iterable[ServerAlbum]) -> ServerAlbum:
    """Of the albums two runs made at once for one Photos album, the one both keep: the
    first made (then the smaller id), so either run, whenever it looks, chooses the same."""
    return min(albums, key=lambda album: (_moment(album.created_at), album.id))


def _moment(stamp: str) -> datetime:
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return datetime.max.replace(tzinfo=UTC)  # no date: never preferred to a dated one
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _field_changes(
    asset: ImportedAsset,
    entry: CatalogEntry | None,
    applied: dict[str, Any],
    options: MetadataOptions,
) -> dict[str, Any]:
    """Fields of ``PUT /assets/{id}`` whose Photos value changed since last sent."""
    fields: dict[str, Any] = {}
    desired = asset.desired
    if "description" in desired and applied.get("description", "") != desired["description"]:
        fields["description"] = applied["description"] = str(desired["description"])
    moved = bool(desired.get("location")) and applied.get("location") != desired["location"]
    if desired.get("date") and (moved or applied.get("date") != desired["date"]):
        # Immich shows a date in the zone of the asset's place: with a new place, Photos'
        # date (and its offset) goes again, or the place would shift the time shown.
        fields["dateTimeOriginal"] = applied["date"] = desired["date"]
    if moved:
        fields["latitude"], fields["longitude"] = desired["location"]
        applied["location"] = desired["location"]
    if entry is not None and applied.get("hidden", False) != entry.hidden:
        fields["visibility"] = options.hidden_visibility if entry.hidden else "timeline"
        applied["hidden"] = entry.hidden
    return fields


# Characters XML 1.0 cannot carry (C0 controls but tab and line ends, lone surrogates, the
# two non-characters): an XMP sidecar cannot hold them, so no text sent to Immich has them.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """``text`` without the characters an XMP sidecar cannot hold."""
    return _NOT_IN_XML.sub("", text)


def tag_name(keyword: str) -> str:
    """The Immich tag of a Photos keyword. A keyword is flat, but Immich makes a "/" in a
    tag name a level of its tree ("AC/DC" would be "DC" under "AC", and "x/" plain "x"):
    a "/" is written "|", as Immich itself writes a "/" inside one level of a hierarchy
    it reads from a file (metadata.service.ts, getTagList). A "|" stays: "AC|DC" and
    "AC/DC" are one tag in Immich. Control characters are dropped (see :func:`xml_text`)."""
    return xml_text(keyword).replace("/", "|")


def wanted_tags(desired: Mapping[str, Any], options: MetadataOptions) -> list[str]:
    """The Immich tags of an asset: its keywords and, with --people-tags, its people."""
    tags = [tag for tag in map(tag_name, desired.get("keywords", [])) if tag.strip()]
    if options.people_tags:
        tags += [PEOPLE_TAG + tag_name(name) for name in desired.get("persons", [])]
    return tags


@dataclass(frozen=True)
class FaceRegion:
    """A named face as the Metadata Working Group's regions hold one: its centre and its
    size, each a fraction of the image as the file stores it (before its orientation)."""

    name: str
    x: float
    y: float
    w: float
    h: float


def stored_region(box: tuple[float, float, float, float], orientation: int) -> tuple[float, ...]:
    """A face box on the image as shown (left, top, right, bottom) as a region of the
    stored image (centre x, y, width, height): the inverse of what Immich 3.1.0 does to a
    file's regions before it places their faces (metadata.service.ts, orientRegionInfo),
    so that Immich shows the face where Photos does."""
    left, top, right, bottom = box
    x, y, w, h = (left + right) / 2, (top + bottom) / 2, right - left, bottom - top
    stored = {
        2: (1 - x, y),
        3: (1 - x, 1 - y),
        4: (x, 1 - y),
        5: (y, x),
        6: (y, 1 - x),
        7: (1 - y, 1 - x),
        8: (1 - y, x),
    }.get(orientation, (x, y))
    return (*stored, *((h, w) if orientation in TURNED_ORIENTATIONS else (w, h)))


@dataclass(frozen=True)
class SidecarFields:
    """What an XMP sidecar sent with an upload tells Immich: Immich reads it in the same
    extraction as the file, its values winning (metadata.service.ts, getExifTags), so no
    request after the upload and no rewrite of the sidecar is needed for them. ``faces``
    become people by name when the server imports faces (``metadata.faces.import``), on
    an image of ``stored_size`` pixels."""

    description: str = ""
    date: str | None = None  # ISO 8601 with Photos' offset
    location: tuple[float, float] | None = None
    tags: tuple[str, ...] = ()
    faces: tuple[FaceRegion, ...] = ()
    stored_size: tuple[int, int] | None = None

    @property
    def empty(self) -> bool:
        return not (self.description or self.date or self.location or self.tags or self.faces)


def people_on_originals(desireds: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Photos person -> name, of everyone whose face is on these assets' originals (an
    edited photo's faces are on its rendering)."""
    return {
        face[0]: str(face[1])
        for desired in desireds
        if desired.get("faces_on") == "original"
        for face in desired.get("faces", [])
    }


def _faces_of_upload(desired: Mapping[str, Any], people: Mapping[str, str]) -> list[list[Any]]:
    """The named faces of ``people`` that go with a photo's upload: only where its faces
    belong on its original (an edited photo's are on its rendering) and its size is known."""
    if not people or desired.get("faces_on") != "original" or not desired.get("size"):
        return []
    return [face for face in desired.get("faces", []) if face[0] in people]


def faces_with_upload(
    desired: Mapping[str, Any], face_ids: Mapping[str, str]
) -> tuple[NewFace, ...]:
    """The faces to place through the API once the photo is uploaded; ``face_ids``: Photos
    person -> Immich person, made before the uploads."""
    faces = _faces_of_upload(desired, face_ids)
    if not faces:
        return ()
    shown = (desired["size"][0], desired["size"][1])
    return tuple(
        NewFace(
            face_ids[face[0]], shown, box_pixels(tuple(face[2:6]), shown), (face[0], *face[2:6])
        )
        for face in faces
    )


def _riding_faces(
    desired: Mapping[str, Any], face_people: Mapping[str, str]
) -> tuple[tuple[FaceRegion, ...], tuple[int, int] | None, list[list[Any]]]:
    """The named faces an upload's sidecar carries: those of ``face_people`` (Photos
    person -> the name Immich knows them by, theirs alone), on a photo whose faces belong on
    its original; the stored image's size; and the faces as ``applied_metadata`` records
    them (what :func:`_face_changes` compares)."""
    size, orientation = desired.get("size"), desired.get("orientation")
    riding = _faces_of_upload(desired, face_people)
    if not riding or not size or not orientation:
        return (), None, []
    regions = tuple(
        FaceRegion(face_people[face[0]], *stored_region(tuple(face[2:6]), orientation))
        for face in riding
    )
    stored = (size[1], size[0]) if orientation in TURNED_ORIENTATIONS else (size[0], size[1])
    return regions, stored, sorted([face[0], *face[2:6]] for face in riding)


def carried_by_sidecar(
    desired: Mapping[str, Any],
    options: MetadataOptions,
    face_people: Mapping[str, str] = {},
) -> tuple[SidecarFields, dict[str, Any]]:
    """The sidecar of a new upload, and what it counts as sent (the entries of
    ``applied_metadata`` the metadata plan compares with Photos: the same rules as
    :func:`_field_changes`, the tags and the faces, so a later run finds nothing left to
    send). ``face_people``: the people whose faces may ride in it (the server imports
    faces, and each name is photos-sync's person's alone)."""
    sent: dict[str, Any] = {}
    if "description" in desired:
        sent["description"] = str(desired["description"])
    if desired.get("date"):
        sent["date"] = desired["date"]
    if desired.get("location"):
        sent["location"] = desired["location"]
    tags = sorted(set(wanted_tags(desired, options)))
    if "keywords" in desired:
        sent["keywords"] = tags
    regions, stored_size, faces = _riding_faces(desired, face_people)
    if faces:
        sent["faces"] = faces
    location = sent.get("location")
    fields = SidecarFields(
        description=xml_text(sent.get("description", "")),
        date=sent.get("date"),
        location=(float(location[0]), float(location[1])) if location else None,
        tags=tuple(tags),
        faces=regions,
        stored_size=stored_size,
    )
    return fields, sent


def adoption_baseline(
    asset: ImportedAsset, entry: CatalogEntry | None, server: ServerValues
) -> dict[str, Any]:
    """What counts as already sent for an asset photos-sync found on the server rather than
    uploaded (a fresh tracker, the phone app's upload): whatever the server already shows
    is kept, so Photos' values only fill what is empty there. A favorite set in Immich stays,
    a description written in Immich stays; tags and albums are only ever added."""
    desired = asset.desired
    kept: dict[str, Any] = {}
    if entry is not None:
        kept["favorite"] = entry.favorite if server.favorite else False
        if server.visibility != "timeline":
            kept["hidden"] = entry.hidden
    if server.description:
        kept["description"] = desired.get("description", "")
    if server.has_date and desired.get("date"):
        kept["date"] = desired["date"]
    if server.has_location and desired.get("location"):
        kept["location"] = desired["location"]
    return kept


def _asset_changes(
    asset: ImportedAsset,
    entry: CatalogEntry | None,
    plan: MetadataPlan,
    options: MetadataOptions,
    server: ServerValues | None = None,
) -> None:
    if server is not None:  # given only for an asset never sent anything
        asset = asset._replace(applied=adoption_baseline(asset, entry, server))
    applied = dict(asset.applied or {})
    ref = (asset.uuid, asset.immich_id)
    if entry is not None and applied.get("favorite") != entry.favorite:
        plan.favorites[entry.favorite].append(ref)
        for role, immich_id in sorted(asset.companions.items()):  # its RAW and edit too
            plan.favorites[entry.favorite].append((f"{asset.uuid}:{role}", immich_id))
        applied["favorite"] = entry.favorite
    fields = _field_changes(asset, entry, applied, options)
    if fields:
        plan.updates.append((asset.uuid, asset.immich_id, fields))
    if "visibility" in fields:  # hidden or shown again: its RAW and edit go with it
        for role, immich_id in sorted(asset.companions.items()):
            plan.updates.append(
                (f"{asset.uuid}:{role}", immich_id, {"visibility": fields["visibility"]})
            )
    if "keywords" in asset.desired:
        sent = set(applied.get("keywords", []))
        wanted = set(wanted_tags(asset.desired, options))
        for tag in sorted(wanted - sent):
            plan.tags.setdefault(tag, []).append(ref)
        for tag in sorted(sent - wanted):  # only tags photos-sync gave; the user's stay
            plan.untags.setdefault(tag, []).append(ref)
        applied["keywords"] = sorted(wanted)
    if options.people and asset.desired.get("faces") is not None:
        _face_changes(asset, applied, plan)
    if applied != (asset.applied or {}) or server is not None:
        plan.applied[asset.uuid] = applied


def faces_target(
    desired: Mapping[str, Any], immich_id: str | None, companions: Mapping[str, str]
) -> str | None:
    """The Immich asset an asset's named faces go on: the original, or for an edited photo
    its edited copy (None when that copy is not in Immich), since Photos places an edited
    photo's faces on its rendering."""
    return companions.get("edited") if desired.get("faces_on") == "edited" else immich_id


def _face_changes(asset: ImportedAsset, applied: dict[str, Any], plan: MetadataPlan) -> None:
    """Each named face photos-sync has not yet put on the asset, and each it put there
    whose person Photos no longer shows on it (one face per person and photo). An edited
    photo's faces are where Photos shows them, on its rendering: they go on the edited copy
    (--with-edits), never on the original, which a crop or a flip would put them beside."""
    size = asset.desired.get("size")
    target = faces_target(asset.desired, asset.immich_id, asset.companions)
    if not size or target is None:
        return
    wanted = {face[0]: tuple(face[2:6]) for face in asset.desired["faces"]}
    sent = {face[0]: tuple(face[1:5]) for face in applied.get("faces", [])}
    for person, box in sorted(wanted.items()):
        if sent.get(person) != box:
            plan.faces.append(FaceWork(asset.uuid, target, person, box, tuple(size)))
    for person, box in sorted(sent.items()):
        if person not in wanted or wanted[person] != box:
            plan.faces.append(FaceWork(asset.uuid, target, person, box, tuple(size), remove=True))
    applied["faces"] = [[person, *box] for person, box in sorted(wanted.items())]


def people_changes(
    assets: Iterable[ImportedAsset],
    known: Mapping[str, tuple[str, str]],
    plan: MetadataPlan,
    current: Mapping[str, str] | None = None,
) -> None:
    """Every named person with a face to place: made once in Immich, renamed there when
    renamed in Photos. ``known``: Photos person UUID -> (Immich id, name last given);
    ``current``: each person's name in Photos now (a rename touches no asset). A settled
    asset's faces are all placed: its people are known, renamed from ``current``."""
    names: dict[str, str] = {
        person: current[person] for person in known if current and person in current
    }
    for asset in assets:
        if asset.settled:
            continue
        for face in asset.desired.get("faces") or []:
            names[face[0]] = (current or {}).get(face[0], face[1])
    placing = {face.person_uuid for face in plan.faces if not face.remove}
    for person, name in sorted(names.items()):
        immich_id, last_name = known.get(person, (None, None))
        if immich_id is None and person in placing:
            plan.people.append(PersonWork(person, name, None))
        elif immich_id is not None and last_name != name:
            plan.people.append(PersonWork(person, name, immich_id))


def _album_changes(
    albums: list[PhotosAlbum],
    imported: Mapping[str, str],
    known: Mapping[str, tuple[str, str]],
    members_done: Mapping[str, set[str]],
    prefix: str,
    plan: MetadataPlan,
) -> None:
    """Create, rename, fill; and take out what photos-sync put in an album that Photos no
    longer has there (never what the user added in Immich). ``members_done``: album ->
    the assets photos-sync put in it."""
    for album in albums:
        name = album_name(album, prefix)
        done = members_done.get(album.uuid, set())
        # the difference first, in C: an album's members, all sorted, were a Python step
        # each per night
        add = [(uuid, imported[uuid]) for uuid in sorted(album.assets - done) if uuid in imported]
        remove = [
            (uuid, imported[uuid]) for uuid in sorted(done - album.assets) if uuid in imported
        ]
        immich_id, last_name = known.get(album.uuid, (None, None))
        rename = immich_id is not None and last_name != name
        if immich_id is None or rename or add or remove:
            plan.albums.append(
                AlbumWork(
                    album.uuid,
                    name,
                    "/".join(album.folders),
                    immich_id,
                    rename,
                    add,
                    remove if immich_id is not None else [],
                )
            )


def _companion_stacks(
    assets: list[ImportedAsset],
    stacks_done: Mapping[str, list[str]],
    options: MetadataOptions,
    plan: MetadataPlan,
) -> None:
    """An original with its RAW and/or edited rendering: one stack (JPEG or original on
    top; the RAW on top with ``raw_primary``)."""
    for asset in assets:
        if not asset.companions:
            continue
        members = [(asset.uuid, asset.immich_id)]
        raw = asset.companions.get("raw")
        if raw:  # Photos' own choice for this photo, or --raw-primary for all
            on_top = options.raw_primary or bool(asset.desired.get("raw_on_top"))
            members.insert(0 if on_top else 1, (f"{asset.uuid}:raw", raw))
        edited = asset.companions.get("edited")
        if edited:
            members.append((f"{asset.uuid}:edited", edited))
        key = f"asset:{asset.uuid}"
        if stacks_done.get(key) != [uuid for uuid, _ in members]:
            plan.stacks.append(StackWork(key, members))


def _stack_changes(
    assets: list[ImportedAsset],
    entries: Mapping[str, CatalogEntry],
    stacks_done: Mapping[str, list[str]],
    plan: MetadataPlan,
) -> None:
    bursts: dict[str, list[ImportedAsset]] = {}
    for asset in assets:
        if asset.burst_id:
            bursts.setdefault(asset.burst_id, []).append(asset)
    for burst_id, frames in sorted(bursts.items()):
        if len(frames) < 2:
            continue

        def rank(frame: ImportedAsset) -> tuple[int, str]:
            entry = entries.get(frame.uuid)
            return (entry.burst_rank if entry else 9, frame.uuid)

        ordered = sorted(frames, key=rank)
        key = f"burst:{burst_id}"
        if stacks_done.get(key) != [f.uuid for f in ordered]:
            plan.stacks.append(StackWork(key, [(f.uuid, f.immich_id) for f in ordered]))


def album_differences(albums: list[PhotosAlbum], members_done: Mapping[str, set[str]]) -> set[str]:
    """The assets in a Photos album but not yet in its Immich album, or the other way
    round: the ones whose Immich ids the albums' plan needs (``metadata_changes``)."""
    differ: set[str] = set()
    for album in albums:
        done = members_done.get(album.uuid, set())
        differ |= album.assets - done
        differ |= done - album.assets
    return differ


def _locked(asset: ImportedAsset, entry: CatalogEntry | None, options: MetadataOptions) -> bool:
    """Hidden in Photos with --hidden-as locked: the asset is (or goes) in Immich's locked
    folder, where an API key can neither read nor change it (Immich answers 400)."""
    return options.hidden_visibility == "locked" and entry is not None and entry.hidden


def _lock(asset: ImportedAsset, plan: MetadataPlan) -> None:
    """A locked asset gets one change, the move into the locked folder when its upload did
    not put it there, and nothing after: no tags, fields, favorite, album, stack or face."""
    applied = dict(asset.applied or {})
    if not applied.get("hidden"):
        plan.updates.append((asset.uuid, asset.immich_id, {"visibility": "locked"}))
        applied["hidden"] = True
        plan.applied[asset.uuid] = applied


def metadata_changes(
    rows: MetadataRows,
    ids: Mapping[str, str],
    entries: Mapping[str, CatalogEntry],
    albums: list[PhotosAlbum],
    known_albums: Mapping[str, tuple[str, str]],
    members_done: Mapping[str, set[str]],
    stacks_done: Mapping[str, list[str]],
    options: MetadataOptions = MetadataOptions(),
    adopted: Mapping[str, ServerValues] | None = None,
    known_people: Mapping[str, tuple[str, str]] | None = None,
    person_names: Mapping[str, str] | None = None,
) -> MetadataPlan:
    """``ids``: Photos UUID -> Immich id of the imported assets still in Photos, at least
    those of :func:`album_differences`. ``adopted``: what the server shows of assets never
    sent anything (by Immich id)."""
    plan = MetadataPlan()
    locked = {a.uuid for a in rows.assets if _locked(a, entries.get(a.uuid), options)}
    assets = [asset for asset in rows.assets if asset.uuid not in locked]
    for asset in rows.assets:
        if asset.settled:
            continue
        if asset.uuid in locked:
            _lock(asset, plan)
            continue
        server = (adopted or {}).get(asset.immich_id) if asset.applied is None else None
        _asset_changes(asset, entries.get(asset.uuid), plan, options, server)
    ids = {uuid: immich_id for uuid, immich_id in ids.items() if uuid not in locked}
    _album_changes(albums, ids, known_albums, members_done, options.album_prefix, plan)
    _stack_changes(assets, entries, stacks_done, plan)
    _companion_stacks(assets, stacks_done, options, plan)
    if options.people:
        people_changes(assets, known_people or {}, plan, person_names)
        plan.match_names = options.match_names
    return plan

"""``verify``: where the tracker, the library and the server disagree. Pure logic."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pure logic over what the client read: it needs only the shapes
    from photos_sync.immich.records import ServerAlbum, ServerAsset, ServerStack


class Problem(StrEnum):
    MISSING = "missing on the server"
    TRASHED = "in Immich's trash"
    SERVER_DIFFERS = "the server's file is not the one uploaded"
    LIBRARY_CHANGED = "the library's file changed since it was uploaded"
    NOT_LINKED = "Live Photo not linked to its motion video"
    NO_MOTION_VIDEO = "Live Photo imported without its motion video"
    ALBUM_DIFFERS = "album in Immich lacks assets Photos has in it"
    ALBUM_TWICE = "album appears twice in Immich"
    TAGS_MISSING = "tags photos-sync gave it are missing in Immich"
    STACK_DIFFERS = "stack in Immich differs from the one photos-sync made"
    DATE_DIFFERS = "date in Immich is not the one Photos shows"
    FACE_TWICE = "face placed twice for one person"
    PERSON_TWICE = "person appears twice in Immich"  # for the user to merge: both may be real


FIXABLE = frozenset(
    {
        Problem.MISSING,
        Problem.SERVER_DIFFERS,
        Problem.TRASHED,
        Problem.NOT_LINKED,
        Problem.NO_MOTION_VIDEO,
        Problem.ALBUM_DIFFERS,
        Problem.ALBUM_TWICE,
        Problem.TAGS_MISSING,
        Problem.STACK_DIFFERS,
        Problem.DATE_DIFFERS,
        Problem.FACE_TWICE,
    }
)


@dataclass(frozen=True)
class Imported:
    """What the tracker says was put into Immich for one asset."""

    uuid: str
    filename: str
    immich_id: str
    sha1: str | None
    motion_video_id: str | None
    motion_video_on_disk: bool  # a Live Photo whose video the library still has
    date: str | None = None  # Photos' date as photos-sync sent it (with its offset)


@dataclass(frozen=True)
class Finding:
    problem: Problem
    uuid: str
    filename: str
    immich_id: str

    def to_json(self) -> dict[str, str]:
        return {
            "problem": self.problem.value,
            "uuid": self.uuid,
            "filename": self.filename,
            "immich_id": self.immich_id,
        }


def compare(
    imported: Iterable[Imported],
    server: Mapping[str, ServerAsset],
    library_sha1: Mapping[str, str] | None = None,
) -> list[Finding]:
    """Each imported asset checked against the server (and, deep, the library file)."""
    found = []
    for asset in imported:

        def finding(problem: Problem, asset: Imported = asset) -> Finding:
            return Finding(problem, asset.uuid, asset.filename, asset.immich_id)

        on_server = server.get(asset.immich_id)
        if on_server is None:
            found.append(finding(Problem.MISSING))
            continue
        if on_server.trashed:
            found.append(finding(Problem.TRASHED))
        if asset.sha1 and on_server.checksum != asset.sha1:
            found.append(finding(Problem.SERVER_DIFFERS))
        now = (library_sha1 or {}).get(asset.uuid)
        if now is not None and asset.sha1 and now != asset.sha1:
            found.append(finding(Problem.LIBRARY_CHANGED))
        if asset.motion_video_id:
            if on_server.live_photo_video_id != asset.motion_video_id:
                found.append(finding(Problem.NOT_LINKED))
        elif asset.motion_video_on_disk:
            found.append(finding(Problem.NO_MOTION_VIDEO))
        if asset.date and on_server.taken and not same_moment(asset.date, on_server.taken):
            found.append(finding(Problem.DATE_DIFFERS))
    return found


def same_moment(sent: str, shown: str) -> bool:
    """Whether Immich shows the moment photos-sync sent (to the second; the zone Immich
    shows it in may be the place's). Anything unreadable counts as the same: no finding
    verify cannot explain."""
    try:
        wanted = datetime.fromisoformat(sent)
        taken = datetime.fromisoformat(shown.replace("Z", "+00:00"))
    except ValueError:
        return True
    if wanted.tzinfo is None or taken.tzinfo is None:
        return True
    return abs((wanted - taken).total_seconds()) < 1


def compare_albums(
    expected: Mapping[str, tuple[str, str, set[str]]], on_server: Mapping[str, set[str]]
) -> list[Finding]:
    """Albums (Photos uuid -> (Immich id, name, Immich ids Photos has in it)) against what
    each album holds on the server; one finding per album missing something."""
    found = []
    for album_uuid, (immich_id, name, wanted) in sorted(expected.items()):
        if wanted - on_server.get(immich_id, set()):
            found.append(Finding(Problem.ALBUM_DIFFERS, album_uuid, name, immich_id))
    return found


def album_twins(
    marked: Mapping[str, list[ServerAlbum]], recorded: Mapping[str, str]
) -> list[Finding]:
    """Every album photos-sync made more than once for one Photos album (a lost answer, a
    lost tracker): one finding per extra album; the recorded one (else the first) stays."""
    found = []
    for photos_uuid, albums in sorted(marked.items()):
        if len(albums) < 2:
            continue
        keep = recorded.get(photos_uuid, albums[0].id)
        kept = next((a for a in albums if a.id == keep), albums[0])
        for extra in albums:
            if extra.id != kept.id:
                found.append(Finding(Problem.ALBUM_TWICE, photos_uuid, extra.name, extra.id))
    return found


def missing_tags(
    given: Mapping[str, set[str]], on_server: Mapping[str, set[str]]
) -> dict[str, set[str]]:
    """Tag name -> the Immich ids it was given to (``given``) but that lack it now."""
    return {
        name: lacking
        for name, ids in sorted(given.items())
        if (lacking := ids - on_server.get(name, set()))
    }


def compare_tags(imported: Iterable[Imported], lacking: Mapping[str, set[str]]) -> list[Finding]:
    """One finding per imported asset that lacks any tag photos-sync gave it."""
    short = set().union(*lacking.values()) if lacking else set()
    return [
        Finding(Problem.TAGS_MISSING, a.uuid, a.filename, a.immich_id)
        for a in imported
        if a.immich_id in short
    ]


def compare_stacks(
    made: Mapping[str, list[str]],
    ids: Mapping[str, str],
    imported: Mapping[str, Imported],
    on_server: Iterable[ServerStack],
) -> list[Finding]:
    """The stacks photos-sync made (group key -> members, cover first; a member is a Photos
    uuid, or ``uuid:raw``/``uuid:edited`` for a companion file) against the server's, with
    ``ids`` giving each member's Immich id now: one finding per stack whose cover is no
    longer on top of all its members (unstacked, split, a member re-uploaded since),
    reported under the Photos asset of its cover."""
    stack_of = {asset_id: stack for stack in on_server for asset_id in stack.asset_ids}
    found = []
    for _, members in sorted(made.items()):
        present = [ids[member] for member in members if member in ids]
        owner = imported.get(members[0].split(":")[0]) if members else None
        if len(present) < 2 or owner is None:
            continue
        stack = stack_of.get(present[0])
        if stack is None or stack.primary_id != present[0] or set(present) - stack.asset_ids:
            found.append(Finding(Problem.STACK_DIFFERS, owner.uuid, owner.filename, present[0]))
    return found


@dataclass(frozen=True)
class FacedAsset:
    """An imported asset photos-sync placed named faces on, and where they are."""

    uuid: str
    filename: str
    target: str  # the Immich asset holding the faces: the original, or its edited copy


def compare_faces(
    faced: Iterable[FacedAsset],
    seen: Mapping[str, list[tuple[str, str | None]]],
    people: Mapping[str, tuple[str, str]],
    named: Mapping[str, list[str]],
) -> list[Finding]:
    """Faces photos-sync placed, against the server: an asset with two faces of one person
    it made (``seen``: target -> (face id, person id) of each face), and another person of
    the same name as one it made with a face on one of those assets (``people``: Photos
    person -> (Immich id, name); ``named``: name -> the ids of everyone so named)."""
    ours = {immich_id for immich_id, _ in people.values()}
    found = []
    on_assets: set[str] = set()
    for asset in faced:
        persons = [person for _, person in seen.get(asset.target, []) if person]
        on_assets.update(persons)
        if any(persons.count(person) > 1 for person in ours & set(persons)):
            found.append(Finding(Problem.FACE_TWICE, asset.uuid, asset.filename, asset.target))
    for photos_uuid, (immich_id, name) in sorted(people.items()):
        for other in named.get(name, []):
            if other != immich_id and other in on_assets:
                found.append(Finding(Problem.PERSON_TWICE, photos_uuid, name, other))
    return found

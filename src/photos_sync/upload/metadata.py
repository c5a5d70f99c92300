"""Sending a :class:`~photos_sync.plan.metadata.MetadataPlan` to Immich and recording what
was sent, step by step, so an interruption repeats at most the step in flight."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, TypeVar

from photos_sync.errors import ImmichRejected, ImmichUnavailable
from photos_sync.immich.records import ServerAlbum
from photos_sync.plan.metadata import (
    SIDECAR_FIELDS,
    AlbumWork,
    FaceWork,
    MetadataOptions,
    MetadataPlan,
    PersonWork,
    album_description,
    first_made,
    marked_albums,
    people_on_originals,
)
from photos_sync.track.metadata import (
    forget_members,
    people,
    record_album,
    record_applied,
    record_members,
    record_person,
    record_settled,
    record_stack,
    record_tags,
    tag_ids,
)

if TYPE_CHECKING:
    from photos_sync.immich.client import ImmichClient  # httpx: only where a run talks
    from photos_sync.plan.importing import Candidate

log = logging.getLogger(__name__)

Interruptible = Callable[[], AbstractContextManager[threading.Event]]
"""While entered, Ctrl-C or SIGTERM set the event instead of raising (see
``Feedback.interruptible``): requests run by worker threads are stopped between requests,
never by an exception raised at any point of the thread waiting for them, which can leave a
lock held that a worker then waits for forever."""

STOP_LOOK_SECONDS = 0.2  # how often the wait for the requests in flight looks for a stop


@contextmanager
def never_stopped() -> Iterator[threading.Event]:
    """For work run with no one to stop it (the tests, a library call)."""
    yield threading.Event()


def back_off(seconds: float) -> None:
    """The wait before a request that failed is tried again (a test watches it)."""
    time.sleep(seconds)


def _album_made_once(
    client: ImmichClient, album: AlbumWork, marked: dict[str, list[ServerAlbum]]
) -> tuple[str, bool]:
    """The Immich album for a Photos album, holding the planned members: the one
    photos-sync made before (found by its mark, whatever the tracker lost), filled, else a
    new one made with them (one request for an album of up to a thousand); and whether it
    was found. A create whose answer was lost may have worked, so the albums are looked at
    again before each new try."""
    ids = [immich_id for _, immich_id in album.add]
    for attempt in range(client.retry.attempts):
        found = marked.get(album.uuid.upper())
        if found:
            client.add_to_album(found[0].id, ids)
            return found[0].id, True
        try:
            return client.create_album(album.name, album_description(album.uuid), ids), False
        except ImmichUnavailable:
            if attempt + 1 == client.retry.attempts:
                raise
            back_off(client.retry.pause(attempt))  # as every other request does
            marked.clear()
            marked.update(marked_albums(client.albums()))
    raise AssertionError("unreachable")


def tag_sets(tags: Mapping[str, Iterable[str]]) -> list[tuple[list[str], list[str]]]:
    """Tags to add (name -> Immich ids), as (a set of tag names, the assets that get exactly
    that set): each asset gets its whole set in one request, so Immich rewrites its
    sidecar once."""
    wanted: dict[str, set[str]] = {}
    for name, asset_ids in tags.items():
        for immich_id in asset_ids:
            wanted.setdefault(immich_id, set()).add(name)
    groups: dict[tuple[str, ...], list[str]] = {}
    for immich_id, names in sorted(wanted.items()):
        groups.setdefault(tuple(sorted(names)), []).append(immich_id)
    return [(list(names), ids) for names, ids in sorted(groups.items())]


# Per-asset requests (an asset's own date, place, description; a face) in flight at once:
# Immich has no bulk form for them, and 100k one after another are hours of round trips.
METADATA_AT_ONCE = 4


class RewriteWatch(Protocol):
    """Where some assets' sidecar rewrites stood when it began (see SidecarRewrites)."""

    def wait(self, asset_ids: set[str]) -> set[str]:
        """Wait (bounded) until Immich has rewritten and read back these assets' sidecars
        since the watch began; the ones it had not when the wait ended."""


class SidecarRewrites(Protocol):
    """Immich's rewrites of the XMP sidecars of some assets, watched from the server."""

    def start(self, asset_ids: set[str]) -> RewriteWatch:
        """Just before a change of these assets goes: note where their rewrites stand."""


@dataclass
class _Group:
    """One kind of change that makes Immich rewrite the sidecars of the assets it names."""

    ids: Callable[[], set[str]]  # the assets it names, as the plan stands now
    send: Callable[[set[str]], set[str]]  # sends its changes to these; those rewritten
    defer: Callable[[set[str]], None]  # leaves these assets' changes for the next run


def send_metadata(
    client: ImmichClient,
    connection: sqlite3.Connection,
    plan: MetadataPlan,
    rewrites: SidecarRewrites,
    interruptible: Interruptible = never_stopped,
) -> None:
    """Immich rewrites an asset's XMP sidecar after each change of its tags, of its
    description, date or place, and of anything a bulk update names (a favorite), five
    rewrites at once, and reads each sidecar back as the asset's fields and tags. Two
    rewrites of one asset in flight at once can lose either change: sent back to back,
    tags then fields, a real Immich 3.1.0 once kept a photo's keyword and lost its
    description and date; fields then tags lost the tag of 3 to 11 of 60 photos; a
    favorite before the fields, 1 of 60 its description. So the changes go in groups,
    tags, then fields, then favorites, and an asset in a later group waits until Immich has
    read back its rewrite of the earlier one (what it has not by the end of the wait, the
    next run sends). A new upload needs none of this: what Photos says of it went in its
    own sidecar."""
    groups = [
        _Group(plan.retagged, lambda ids: _send_tags(client, connection, plan), lambda _: None),
        _Group(
            plan.field_writes,
            lambda ids: _send_fields(client, plan, ids, interruptible),
            plan.defer_fields,
        ),
        _Group(plan.favored, lambda ids: _send_favorites(client, plan, ids), plan.defer_favorites),
    ]
    in_flight: dict[str, RewriteWatch] = {}  # asset -> the watch begun before its rewrite
    for number, group in enumerate(groups):
        ids = group.ids()
        unfinished = _wait_for(in_flight, ids)
        group.defer(unfinished)
        later = set().union(*(g.ids() for g in groups[number + 1 :])) & (ids - unfinished)
        watch = rewrites.start(later) if later else None
        rewritten = group.send(ids - unfinished)
        if watch is not None:
            in_flight.update(dict.fromkeys(rewritten & later, watch))
    _send_updates(client, plan, lambda immich_id: True, interruptible, sidecar=False)
    album_failure = _send_albums(client, connection, plan)
    _send_people(client, connection, plan, interruptible)
    for stack in plan.stacks:
        stack_id = client.create_stack([immich_id for _, immich_id in stack.members])
        record_stack(connection, stack.key, stack_id, [uuid for uuid, _ in stack.members])
    if plan.applied:
        record_applied(connection, plan.applied)
    if plan.settle:
        record_settled(connection, plan.settle)
    if album_failure is not None:  # said once the rest is done: the next run makes it
        raise album_failure


def _wait_for(in_flight: dict[str, RewriteWatch], ids: set[str]) -> set[str]:
    """Wait for the rewrites in flight of these assets; those not read back in time."""
    watches: dict[int, tuple[RewriteWatch, set[str]]] = {}
    for asset_id in ids & in_flight.keys():
        watch = in_flight.pop(asset_id)
        watches.setdefault(id(watch), (watch, set()))[1].add(asset_id)
    unfinished: set[str] = set()
    for watch, waiting in watches.values():
        unfinished |= watch.wait(waiting)
    return unfinished


def _send_fields(
    client: ImmichClient, plan: MetadataPlan, ids: set[str], interruptible: Interruptible
) -> set[str]:
    """The descriptions, dates and places of these assets; all are rewritten."""
    _send_updates(client, plan, ids.__contains__, interruptible, sidecar=True)
    return ids


def _send_favorites(client: ImmichClient, plan: MetadataPlan, ids: set[str]) -> set[str]:
    for favorite, refs in plan.favorites.items():
        chosen = [immich_id for _, immich_id in refs if immich_id in ids]
        if chosen:
            client.update_assets(chosen, isFavorite=favorite)
    return ids


def _send_updates(
    client: ImmichClient,
    plan: MetadataPlan,
    which: Callable[[str], bool],
    interruptible: Interruptible,
    *,
    sidecar: bool,
) -> None:
    """The ``PUT /assets/{id}`` of the chosen assets: those that change a sidecar field
    (``sidecar``), or the others (a visibility alone)."""
    _each_bounded(
        lambda update: client.update_asset(update[1], **update[2]),
        (
            update
            for update in plan.updates
            if which(update[1]) and bool(SIDECAR_FIELDS & update[2].keys()) == sidecar
        ),
        interruptible,
    )


Item = TypeVar("Item")


def _each_bounded(
    call: Callable[[Item], object], items: Iterable[Item], interruptible: Interruptible
) -> None:
    """``call`` on every item, :data:`METADATA_AT_ONCE` at a time. Safe for what is sent
    here: an asset gets one fields update (so no two of its sidecar rewrites start at once),
    and a face does not touch the sidecar. The first error, or a stop, ends what has not
    started; it is raised once what is running has ended (a stop as ``KeyboardInterrupt``:
    the run is recorded as interrupted)."""
    with (
        interruptible() as stop,
        ThreadPoolExecutor(METADATA_AT_ONCE, thread_name_prefix="metadata") as pool,
    ):
        running: set[Future[object]] = set()
        try:
            for item in items:
                while len(running) >= METADATA_AT_ONCE and not stop.is_set():
                    ended, running = wait(running, STOP_LOOK_SECONDS, return_when=FIRST_COMPLETED)
                    _raise_any(ended)
                if stop.is_set():
                    break
                running.add(pool.submit(call, item))
        finally:
            ended, running = wait(running)
        _raise_any(ended)
        if stop.is_set():
            raise KeyboardInterrupt


def _raise_any(ended: Iterable[Future[object]]) -> None:
    for future in ended:
        future.result()


def known_tags(
    client: ImmichClient,
    connection: sqlite3.Connection,
    names: Iterable[str] = (),
    making: Iterable[str] = (),
) -> dict[str, str]:
    """Tag name -> Immich id: the tags photos-sync made, and of ``names`` those Immich made
    itself from an upload's sidecar (photos-sync gave them, but never saw their ids), read
    from the server once and recorded. A name Immich has no tag for is left out, unless
    it is one of ``making``: those Immich lacks are made (and recorded)."""
    known = tag_ids(connection)
    unseen = {name for name in names if name not in known}
    if unseen:
        there = client.tags()
        found = {name: there[name] for name in unseen if name in there}
        record_tags(connection, found)
        known.update(found)
    missing = [name for name in making if name not in known]
    if missing:
        made = client.upsert_tags(missing)
        record_tags(connection, made)
        known.update(made)
    return known


def _send_tags(
    client: ImmichClient, connection: sqlite3.Connection, plan: MetadataPlan
) -> set[str]:
    """The tags and untags; the assets whose sidecar Immich will rewrite for them. An asset
    given nothing new (Immich had read its tags from the file) gets no rewrite: nothing to
    wait for. (Of a group of assets given the same tags, all count as rewritten when any
    tag was new: Immich says only how many were.)"""
    if plan.tags or plan.untags:
        known = known_tags(client, connection, plan.untags, making=plan.tags)
    else:
        known = {}
    to_tag = {name: [immich_id for _, immich_id in refs] for name, refs in plan.tags.items()}
    rewritten: set[str] = set()
    for names, asset_ids in tag_sets(to_tag):
        made = [known[name] for name in names if name in known]  # Immich made them all
        if made and client.tag_assets(made, asset_ids) > 0:
            rewritten.update(asset_ids)
    for name, refs in sorted(plan.untags.items()):
        if name in known:  # a tag photos-sync never made has nothing of ours to take off
            ids = [immich_id for _, immich_id in refs]
            rewritten.update(client.untag_assets(known[name], ids))
    return rewritten


def _send_albums(
    client: ImmichClient, connection: sqlite3.Connection, plan: MetadataPlan
) -> ImmichUnavailable | None:
    """Each album, made, renamed, filled and emptied; an album Immich keeps failing to
    make or change is left for the next run (nothing of it recorded), and the first such
    failure returned, so the people and stacks of the run still go."""
    marked: dict[str, list[ServerAlbum]] | None = None  # read once, when first needed
    failure: ImmichUnavailable | None = None
    made: dict[str, tuple[AlbumWork, str]] = {}
    for album in plan.albums:
        try:
            marked = _send_album(client, connection, album, marked, plan, made)
        except ImmichUnavailable as error:
            log.warning("album %r not sent, left for the next run: %s", album.name, error)
            failure = failure or error
    if made:
        plan.albums_found += _keep_first_made(client, connection, made)
    return failure


def _send_album(
    client: ImmichClient,
    connection: sqlite3.Connection,
    album: AlbumWork,
    marked: dict[str, list[ServerAlbum]] | None,
    plan: MetadataPlan,
    made: dict[str, tuple[AlbumWork, str]],
) -> dict[str, list[ServerAlbum]] | None:
    """One album's work, recorded once done; the server's marked albums, once read. An
    album this run made goes into ``made`` (Photos album UUID -> work and Immich id)."""
    if album.immich_id is None:
        if marked is None:
            marked = marked_albums(client.albums())
        album_id, found = _album_made_once(client, album, marked)
        plan.albums_found += found
        if not found:
            made[album.uuid.upper()] = (album, album_id)
    else:
        album_id = album.immich_id
        if album.rename:
            client.rename_album(album_id, album.name)
        if album.add:
            client.add_to_album(album_id, [immich_id for _, immich_id in album.add])
        if album.remove:
            client.remove_from_album(album_id, [immich_id for _, immich_id in album.remove])
    record_album(connection, album.uuid, album_id, album.name, album.folders)
    record_members(connection, [(album.uuid, uuid) for uuid, _ in album.add])
    forget_members(connection, [(album.uuid, uuid) for uuid, _ in album.remove])
    return marked


def move_album_into(client: ImmichClient, extra_id: str, kept_id: str) -> None:
    """An album photos-sync made twice for one Photos album: the extra one's photos go into
    the one kept, then the extra goes (its photos stay in Immich)."""
    members = sorted(client.album_asset_ids(extra_id))
    if members:
        client.add_to_album(kept_id, members)
    client.delete_album(extra_id)


def _keep_first_made(
    client: ImmichClient, connection: sqlite3.Connection, made: dict[str, tuple[AlbumWork, str]]
) -> int:
    """Another data folder syncing the same library into the same user at the same moment
    (two Macs) makes the same albums when neither finds the other's yet. One look after
    making them: where an album this run made has a twin made first, its photos move
    there and it goes, and the twin is recorded; the other run, looking after its own
    making, keeps that same album. How many albums joined another's."""
    marked = marked_albums(client.albums())
    joined = 0
    for photos_uuid, (album, album_id) in sorted(made.items()):
        twins = marked.get(photos_uuid, [])
        kept = first_made(twins) if len(twins) > 1 else None
        if kept is None or kept.id == album_id:
            continue
        move_album_into(client, album_id, kept.id)
        record_album(connection, album.uuid, kept.id, album.name, album.folders)
        log.info("album %r: another run made it first; its photos joined that one", album.name)
        joined += 1
    return joined


class ServerFaces:
    """The faces Immich holds on an asset, read once per asset and run: (asset, person)."""

    def __init__(self, client: ImmichClient) -> None:
        self.client = client
        self._read: dict[str, set[str]] = {}

    def people_on(self, asset_id: str) -> set[str]:
        if asset_id not in self._read:
            self._read[asset_id] = {p for _, p in self.client.faces_of(asset_id) if p}
        return self._read[asset_id]


def _faces_there(
    seen: ServerFaces,
    faces: list[FaceWork],
    known: Mapping[str, tuple[str, str]],
    made: set[str],
) -> set[tuple[str, str]]:
    """(asset, person) pairs Immich already has a face for, among those about to be
    placed: a run killed after placing a face and before recording it, or an asset sent
    again after a repair, must not get the face twice. Asked only of the assets with a
    face of a person who existed before this run (one request each): the faces of a
    person made just now cannot be anywhere yet."""
    assets = {f.immich_id for f in faces if known[f.person_uuid][0] not in made}
    return {(asset, person) for asset in assets for person in seen.people_on(asset)}


def _adopted(
    seen: ServerFaces, person: PersonWork, same_name: list[str], faces: list[FaceWork]
) -> str | None:
    """An Immich person of this name who already has a face on one of this person's
    photos: made by photos-sync for them before its tracker was lost (or by another
    data folder syncing the same library). Taken rather than made a second time."""
    if not same_name:
        return None
    for asset in sorted({f.immich_id for f in faces if f.person_uuid == person.photos_uuid}):
        for candidate in same_name:
            if candidate in seen.people_on(asset):
                return candidate
    return None


@dataclass(frozen=True)
class PeopleReady:
    """The people made or found before a run's uploads, so that their faces go with them:
    in the sidecars where the server imports faces, else through ``POST /faces`` as soon
    as each photo is uploaded."""

    names: dict[str, str] = field(default_factory=dict)  # Photos person -> name in Immich
    ids: dict[str, str] = field(default_factory=dict)  # Photos person -> Immich person
    in_sidecars: bool = False
    created: int = 0  # of them, made by this run


def people_before_uploads(
    client: ImmichClient,
    connection: sqlite3.Connection,
    options: MetadataOptions,
    candidates: Iterable[Candidate],
) -> PeopleReady:
    """The people whose faces may go with these uploads, made here (or found: photos-sync's
    own under the same name, or with --match-people-by-name the one Immich has) before any
    upload. Where Immich imports faces, it gives a sidecar's face to the user's person of
    that name (any case), making one when there is none (metadata.service.ts,
    applyTaggedFaces), so a name Immich gives to someone else, or to several, is left out;
    the same rule holds for faces sent through the API, so that the metadata step, which
    can take over a person a lost tracker made, sees to those. Never both ways: what goes
    with an upload is recorded as sent."""
    wanted = people_on_originals(candidate.desired for candidate in candidates)
    if not (wanted and options.people):
        return PeopleReady()
    known = people(connection)
    named: dict[str, list[str]] = {}
    for name, ids in client.people_by_name().items():
        named.setdefault(name.lower(), []).extend(ids)
    ready: dict[str, str] = {}
    created = 0
    for person_uuid, name in sorted(wanted.items()):
        same = named.get(name.lower(), [])
        ours = known.get(person_uuid)
        if ours is not None:
            if ours[1] == name and same == [ours[0]]:
                ready[person_uuid] = ours[0]
            continue  # renamed, deleted or shared in Immich: the metadata step sees to it
        if len(same) > 1 or (same and not options.match_names):
            continue
        immich_id = same[0] if same else client.create_person(name)
        created += 0 if same else 1
        record_person(connection, person_uuid, immich_id, name)
        named[name.lower()] = [immich_id]
        ready[person_uuid] = immich_id
    in_sidecars = bool(client.server_features().get("importFaces"))
    log.info(
        "faces of %d people go with the uploads (%s)",
        len(ready),
        "in the sidecars" if in_sidecars else "through the API",
    )
    return PeopleReady({uuid: wanted[uuid] for uuid in ready}, ready, in_sidecars, created)


def give_people_a_picture(client: ImmichClient, connection: sqlite3.Connection) -> int:
    """Immich draws a person's picture from a face it picks when it makes the person or
    when a face is placed through the API, but not for a person photos-sync made before a
    sidecar's face import found them (metadata.service.ts, applyTaggedFaces): Immich then
    lists them with no picture. Each such person of photos-sync's is given one of their
    faces; one whose faces Immich has not read yet waits for the next run. How many."""
    ours = {immich_id for immich_id, _ in people(connection).values()}
    bare = client.people_without_picture() & ours if ours else set()
    given = 0
    for person_id in sorted(bare):
        asset_id = client.an_asset_of(person_id)
        if asset_id is None:
            continue
        try:
            client.set_feature_face(person_id, asset_id)
            given += 1
        except ImmichRejected:  # the face not read yet after all: the next run
            continue
    if bare:
        log.info("face pictures given to %d of %d people without one", given, len(bare))
    return given


def _send_people(
    client: ImmichClient,
    connection: sqlite3.Connection,
    plan: MetadataPlan,
    interruptible: Interruptible,
) -> None:
    """People first (made once, renamed), then faces: taken off where Photos no longer
    shows them (only faces of people photos-sync made), put on where it does."""
    if not plan.people and not plan.faces:
        return
    new = any(person.immich_id is None for person in plan.people)
    named = client.people_by_name() if new else {}
    seen = ServerFaces(client)
    placing = [f for f in plan.faces if not f.remove]
    made: set[str] = set()  # people made by this run: none of their faces is on Immich yet
    for person in plan.people:
        if person.immich_id is None:
            same_name = named.get(person.name, [])
            found = same_name[0] if plan.match_names and same_name else None
            immich_id = found or _adopted(seen, person, same_name, placing)
            if immich_id is None:
                immich_id = client.create_person(person.name)
                made.add(immich_id)
        else:
            immich_id = person.immich_id
            try:
                client.rename_person(immich_id, person.name)
            except ImmichRejected:  # deleted in Immich meanwhile: made again
                immich_id = client.create_person(person.name)
        record_person(connection, person.photos_uuid, immich_id, person.name)
    known = people(connection)
    for face in (f for f in plan.faces if f.remove):
        ours = known.get(face.person_uuid, ("", ""))[0]
        for face_id, person_id in client.faces_of(face.immich_id):
            if person_id == ours:
                client.delete_face(face_id)
    refused: list[tuple[FaceWork, str]] = []  # (face, the person id Immich refused)

    def place(face: FaceWork) -> None:
        person_id = known[face.person_uuid][0]
        try:
            client.create_face(face.immich_id, person_id, face.size, face.pixels)
        except ImmichRejected:
            refused.append((face, person_id))

    placing = [f for f in placing if f.person_uuid in known]
    there = _faces_there(seen, placing, known, made)
    placing = [f for f in placing if (f.immich_id, known[f.person_uuid][0]) not in there]
    _each_bounded(place, placing, interruptible)
    for face, person_id in refused:  # the person was deleted in Immich: made again, once
        if known[face.person_uuid][0] == person_id:
            name = known[face.person_uuid][1]
            known[face.person_uuid] = (client.create_person(name), name)
            record_person(connection, face.person_uuid, known[face.person_uuid][0], name)
        client.create_face(face.immich_id, known[face.person_uuid][0], face.size, face.pixels)

"""What Photos knows, sent to Immich: planned from what changed, sent once Immich has
finished reading each new upload (its own extraction would overwrite it)."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from photos_sync.bulk import bulk_work
from photos_sync.immich.records import Reading
from photos_sync.plan.metadata import (
    Flags,
    MetadataOptions,
    MetadataPlan,
    album_differences,
    metadata_changes,
    settle_key,
)
from photos_sync.source.library import PhotosLibrary
from photos_sync.track.metadata import (
    Settled,
    album_ids,
    album_members,
    import_times,
    imported_for_metadata,
    people,
    sendable_ids,
    stacks,
)
from photos_sync.upload.metadata import (
    Interruptible,
    give_people_a_picture,
    never_stopped,
    send_metadata,
)

if TYPE_CHECKING:
    from photos_sync.immich.client import ImmichClient  # httpx: only where a run talks

log = logging.getLogger(__name__)


@bulk_work()
def plan_metadata(
    library: PhotosLibrary,
    connection: sqlite3.Connection,
    options: MetadataOptions = MetadataOptions(),
    client: ImmichClient | None = None,
) -> MetadataPlan:
    """What Immich must still be told of favorites, descriptions, tags, albums, bursts.

    With a client, assets found on the server rather than uploaded are first read there, so
    what the server already shows is kept (see ``adoption_baseline``)."""
    entries = {entry.uuid: entry for entry in library.entries()}
    known: dict[tuple[Flags, str | None], str] = {}  # most assets share their inputs' key

    def key_of(uuid: str, companions: str | None) -> str:
        entry = entries.get(uuid)
        inputs = (None if entry is None else (entry.favorite, entry.hidden), companions)
        if inputs not in known:
            known[inputs] = settle_key(options, *inputs)
        return known[inputs]

    flagged = [uuid for uuid, entry in entries.items() if entry.favorite or entry.hidden]
    # An asset Photos no longer has is taken as usual when it was settled so: nothing new
    # of it can be sent, and the cleanup that follows archives it.
    usual = settle_key(options, (False, False), None)
    rows = imported_for_metadata(connection, Settled(key_of, usual, flagged))
    assets = rows.assets
    adopted = [asset.immich_id for asset in assets if asset.applied is None]
    albums, members_done = library.albums(), album_members(connection)
    plan = metadata_changes(
        rows,
        sendable_ids(connection, album_differences(albums, members_done)),
        entries,
        albums,
        album_ids(connection),
        members_done,
        stacks(connection),
        options,
        client.asset_values(adopted) if client is not None and adopted else None,
        people(connection),
        library.person_names() if options.people else None,
    )
    plan.settle = rows.keys
    return plan


# Seconds between looks at what Immich has still to read: at first, then a tenth of the
# wait so far, up to the most (each look is one listing: a long wait costs few requests).
EXTRACTION_POLL = 0.5
EXTRACTION_POLL_MOST = 5.0
# Seconds: how long the wait goes on while no new upload finishes (the server is stuck, or
# far behind), and at most in all. What Immich has not read by then is sent by the next
# run (a busy server on a first import of 100k photos may take hours).
EXTRACTION_WAIT = (60.0, 900.0)
# Immich's extraction sets an asset's size in one task and replaces its tags in another,
# beside it; only the thumbnail, made once the extraction has finished, proves it is over
# (a 2 s settle after the size lost tags in 2 of 10 real runs; 10 s lost a keyword once on
# a loaded CI machine). A file whose thumbnail fails (an exotic format) counts as read this
# long after its size is known.
THUMBNAIL_GRACE = 30.0
CLOCK_SKEW = timedelta(minutes=10)  # the server's clock may differ from ours


def wait_for_extraction(
    client: ImmichClient, asset_ids: set[str], since: datetime
) -> tuple[set[str], dict[str, Reading]]:
    """Wait until Immich has finished reading these new uploads, as long as it makes
    progress (bounded): the ones still unfinished when the wait ended, and what Immich read
    of the others. One listing per look, whatever the number of assets. The grace for a
    file whose thumbnail fails counts from when its size was seen (the extraction under
    way), never from its upload: a busy server may start reading a file long after it
    arrived."""
    after = (since - CLOCK_SKEW).isoformat()
    reading_since: dict[str, float] = {}
    read: dict[str, Reading] = {}

    def finished(pending: set[str], now: float) -> set[str]:
        states = client.extraction_states(pending, after)
        done = set()
        for asset_id in pending:
            state = states.get(asset_id, Reading("done"))
            if state.state == "reading":
                reading_since.setdefault(asset_id, now)
            if state.state == "done":
                read[asset_id] = state
            if state.state == "done" or now - reading_since.get(asset_id, now) > THUMBNAIL_GRACE:
                done.add(asset_id)
        return done

    return _wait_while_progressing(asset_ids, finished), read


def _wait_while_progressing(
    asset_ids: set[str], finished: Callable[[set[str], float], set[str]]
) -> set[str]:
    """Look at what is ``finished`` of what is pending (more and more seldom, see
    :data:`EXTRACTION_POLL`), until nothing is pending, nothing finished for a while or the
    wait is long (:data:`EXTRACTION_WAIT`); what is still pending then."""
    stall, most = EXTRACTION_WAIT
    started = progressed = time.monotonic()
    pending = set(asset_ids)
    while pending:
        now = time.monotonic()
        done = finished(pending, now)
        if done:
            pending -= done
            progressed = now
        if not pending or now - progressed > stall or now - started > most:
            break
        time.sleep(min(EXTRACTION_POLL_MOST, max(EXTRACTION_POLL, (now - started) / 10)))
    return pending


class ServerRewrites:
    """Immich's sidecar rewrites, seen through the assets' ``updatedAt``: the metadata
    extraction that follows a rewrite touches the asset, and nothing else photos-sync
    does between :meth:`start` and the watch's wait does (a tag change touches only the
    asset's EXIF row). One listing of the recently touched assets per look."""

    def __init__(self, client: ImmichClient) -> None:
        self.client = client

    def start(self, asset_ids: set[str]) -> ServerWatch:
        clock = self.client.server_clock()
        # Its Date header counts whole seconds: a little before, to miss nothing.
        since = clock - timedelta(seconds=2) if clock else datetime.now(UTC) - CLOCK_SKEW
        touched = self.client.updated_after(since)
        return ServerWatch(self.client, since, {i: touched[i] for i in asset_ids if i in touched})


class ServerWatch:
    """The ``updatedAt`` of some assets when a change of theirs was about to go."""

    def __init__(self, client: ImmichClient, since: datetime, before: dict[str, str]) -> None:
        self.client = client
        self.since = since
        self.before = before

    def wait(self, asset_ids: set[str]) -> set[str]:
        def finished(pending: set[str], _: float) -> set[str]:
            touched = self.client.updated_after(self.since)
            return {i for i in pending if i in touched and touched[i] != self.before.get(i)}

        unfinished = _wait_while_progressing(asset_ids, finished)
        if unfinished:
            log.info("Immich still rewriting %d sidecars: their changes wait", len(unfinished))
        return unfinished


RECENT = timedelta(days=1)  # an upload older than this has long been read by Immich


def _recent_import(imported: dict[str, datetime]) -> datetime | None:
    """When the earliest of these assets was uploaded, if within :data:`RECENT`: a run that
    uploaded nothing may still send metadata to what a killed run uploaded moments before,
    which Immich may not have finished reading."""
    first = min(imported.values(), default=None)
    return first if first is not None and first > datetime.now(UTC) - RECENT else None


def sync_metadata(
    library: PhotosLibrary,
    connection: sqlite3.Connection,
    client: ImmichClient,
    options: MetadataOptions = MetadataOptions(),
    uploaded_since: datetime | None = None,
    interruptible: Interruptible = never_stopped,
) -> MetadataPlan:
    """Send only what changed since the last run; returns what was sent.

    ``uploaded_since``: when this run's uploads began. Immich reads each new file's
    metadata in the background and then replaces the asset's tags and EXIF fields with the
    file's; what photos-sync sends before that can be lost, so it waits for it first, and
    what Immich has still not read when the wait ends is left for the next run."""
    plan = plan_metadata(library, connection, options, client)
    if not (plan.empty and not plan.applied and not plan.settle):
        _send(client, connection, plan, uploaded_since, interruptible)
    if options.people:
        give_people_a_picture(client, connection)
    return plan


def _send(
    client: ImmichClient,
    connection: sqlite3.Connection,
    plan: MetadataPlan,
    uploaded_since: datetime | None,
    interruptible: Interruptible,
) -> None:
    touched = plan.exif_writes()
    imported = {i: datetime.fromisoformat(t) for i, t in import_times(connection, touched).items()}
    starts = [t for t in (uploaded_since, _recent_import(imported)) if t is not None]
    since = min(starts) if starts else None
    if touched and since is not None:
        unfinished, read = wait_for_extraction(client, touched, since)
        if unfinished:
            log.info("Immich still reading %d new uploads: their metadata waits", len(unfinished))
        plan.defer(unfinished)
        plan.keep_dates_read(read)
    send_metadata(client, connection, plan, ServerRewrites(client), interruptible)
    sent = {name: n for name, n in plan.counts().items() if n}
    log.info("metadata sent to Immich: %s", sent or "nothing")

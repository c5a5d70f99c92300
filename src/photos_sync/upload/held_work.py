"""Immich's own work on new uploads, held while a large import uploads.

Each upload makes Immich read the file's metadata (and its sidecar), then draw thumbnails
and convert videos: work that shares the server's processors with receiving the next
uploads. On the test kit (2 cores, 150 photos with sidecars) the uploads took 13-17 s with
that work running beside them and 7-8 s with thumbnails held, and Immich was done with all
of it no later (bench/README, issue 29).

Holding needs an admin key (``GET`` and ``PUT /queues``); with another key the import runs
as before. Only queues this run paused are resumed: one the administrator paused stays
paused. Which queues were paused is written in the tracker before they are, so that a run
killed while holding them has them resumed by the next run, whatever its size.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from photos_sync.errors import ImmichAuthError, ImmichError
from photos_sync.track.binding import held_queues, record_held_queues

if TYPE_CHECKING:
    from photos_sync.immich.client import ImmichClient

log = logging.getLogger(__name__)

# The heavy part of what an upload sets off: thumbnails (and what waits for them: face
# detection, smart search) and video conversion. Reading the metadata is light and goes on,
# so a sidecar's tags and faces are in Immich when the run's last steps look for them.
HELD = ("thumbnailGeneration", "videoConversion")
HOLD_FROM = 50  # uploads; below, a few requests more than the uploads save


@contextmanager
def immich_work_held(
    client: ImmichClient, connection: sqlite3.Connection, uploads: int, warn: Callable[[str], None]
) -> Iterator[list[str]]:
    """While entered, Immich's queues in :data:`HELD` are paused when ``uploads`` is large
    enough and the key may; they are resumed on the way out, however the uploads end. The
    queues paused (none when not held). Queues a killed run left paused are resumed first.
    A server that does not answer the resume gets ``warn``, not a failed run: the uploads
    are done and recorded, and the next run resumes the queues."""
    _resume_or_warn(client, connection, held_queues(connection), warn)  # a killed run's
    paused = _hold(client, connection) if uploads >= HOLD_FROM else []
    try:
        yield paused
    finally:
        _resume_or_warn(client, connection, paused, warn)


def _resume_or_warn(
    client: ImmichClient,
    connection: sqlite3.Connection,
    names: list[str],
    warn: Callable[[str], None],
) -> None:
    try:
        _resume(client, connection, names)
    except ImmichError as error:  # kept in the tracker: the next run tries again
        log.warning("Immich's queues not resumed: %s", error)
        warn(
            f"Warning: {_still_paused(names)} ({error.message}); "
            "the next photos-sync run resumes them, as does Immich's Administration > Job "
            "Queues."
        )


def _still_paused(names: list[str]) -> str:
    if len(names) == 1:
        return f"Immich's {names[0]} queue is still paused"
    return f"Immich's {', '.join(names)} queues are still paused"


def _hold(client: ImmichClient, connection: sqlite3.Connection) -> list[str]:
    try:
        running = [name for name, paused in client.queues().items() if name in HELD and not paused]
    except ImmichAuthError:  # not an admin key: Immich works beside the uploads, as before
        log.info("Immich's queues not paused during the uploads: the key is not an admin's")
        return []
    left = held_queues(connection)  # a killed run's, if they could not be resumed
    record_held_queues(connection, left + running)  # before pausing: a kill now resumes them
    paused: list[str] = []
    try:
        for name in running:
            client.pause_queue(name, True)
            paused.append(name)
    except ImmichError as error:  # go on with what is paused (a key without queue.update)
        log.warning("Immich's queues could not all be paused (%s)", error)
        record_held_queues(connection, left + paused)
    log.info("Immich's queues paused during the uploads: %s", ", ".join(paused) or "none")
    return paused


def _resume(client: ImmichClient, connection: sqlite3.Connection, names: list[str]) -> None:
    """Resume ``names``; they leave the record only once all are, so a server that does not
    answer now has them resumed by the next run."""
    for name in names:
        client.pause_queue(name, False)
    if names:
        record_held_queues(connection, [n for n in held_queues(connection) if n not in names])
        log.info("Immich's queues resumed: %s", ", ".join(names))

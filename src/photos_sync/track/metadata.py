"""What the tracker remembers of the metadata already sent to Immich, so a sync sends only
what changed: per asset (favorite, description, tags), album ids and memberships, tags,
stacks."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Collection
from typing import Any, NamedTuple

from photos_sync.track.database import rows_by_uuid, transaction, tuples
from photos_sync.track.runs import now_iso


class ImportedAsset(NamedTuple):
    """One imported asset as the metadata plan needs it (a tuple: a nightly run makes one
    per imported asset, 100k of them, and a frozen dataclass costs twice as much)."""

    uuid: str
    immich_id: str
    burst_id: str | None
    desired: dict[str, Any]  # from Photos, at the last scan
    applied: dict[str, Any] | None  # what was last sent
    companions: dict[str, str]  # "raw"/"edited" -> Immich id of that rendering
    # Nothing of its own to send: its inputs are those recorded when all of it was sent.
    # Its desired and applied are then not read (only raw_on_top, for its stack).
    settled: bool = False


# The inputs of an asset's own metadata beyond what Photos says of it, as one key:
# (Photos UUID, companions) -> key. See plan.metadata.settle_key; what Photos says of it is
# covered by the scan, which clears the recorded key when it stores something new.
SettleKey = Callable[[str, str | None], str]


class Settled(NamedTuple):
    """How to tell an asset all of whose metadata was sent: the key recorded then is still
    ``key(uuid, companions)``. Most assets share one key, ``usual`` (no flag set, no
    companions): SQLite tells those apart itself, so a night with nothing new does not make
    a Python object per asset. ``unusual``: the assets whose key is another although they
    have no companions (a favorite, a hidden photo)."""

    key: SettleKey
    usual: str
    unusual: Collection[str]


class MetadataRows(NamedTuple):
    """What the metadata plan reads of the tracker."""

    # Every asset not settled, read in full, and the settled ones whose stack is planned
    # whole (burst frames, assets with companions); in the tracker's order.
    assets: list[ImportedAsset]
    keys: dict[str, str]  # the settle key of each asset not settled


UNIT_SEPARATOR = "\x1f"  # char(31): in no UUID, so lists of them travel as one string

_SENDABLE = " FROM imported_assets WHERE status = 'imported' AND archived = 0 AND in_trash = 0"


def imported_for_metadata(
    connection: sqlite3.Connection, settled: Settled | None = None
) -> MetadataRows:
    """The imported assets still in Photos, as the metadata plan needs them (their Immich
    ids for albums: :func:`sendable_ids`). Without
    ``settled``, every one is read in full. With it, a settled asset's JSON is left unread
    (on 100k assets reading it all was most of a nightly run with nothing new), and one
    with the usual key and no stack is only an id: SQLite leaves it out of the rows."""
    query = "SELECT icloud_uuid, immich_id, burst_id, companions, metadata_settled" + _SENDABLE
    if settled is not None:
        query += (
            " AND NOT (metadata_settled IS ? AND companions IS NULL AND burst_id IS NULL"
            " AND icloud_uuid NOT IN (SELECT value FROM json_each(?)))"
        )
    arguments = () if settled is None else (settled.usual, json.dumps(list(settled.unusual)))
    looked_at: dict[str, ImportedAsset | None] = {}
    keys: dict[str, str] = {}
    for uuid, immich_id, burst_id, companions, recorded in tuples(connection).execute(
        query, arguments
    ):
        key = settled.key(uuid, companions) if settled is not None else None
        if recorded is None or recorded != key:
            looked_at[uuid] = None  # read in full below
            if key is not None:
                keys[uuid] = key
        elif burst_id or companions:
            looked_at[uuid] = ImportedAsset(
                uuid, immich_id, burst_id, {}, {}, _companions(companions), settled=True
            )
    stacked = {uuid: asset for uuid, asset in looked_at.items() if asset and asset.companions}
    for uuid, on_top in _raw_on_top(connection, list(stacked)):
        looked_at[uuid] = stacked[uuid]._replace(desired={"raw_on_top": bool(on_top)})
    unsettled = [uuid for uuid, asset in looked_at.items() if asset is None]
    for asset in _read_in_full(connection, unsettled):
        looked_at[asset.uuid] = asset
    assets = [asset for asset in looked_at.values() if asset is not None]
    return MetadataRows(assets, keys)


def sendable_ids(connection: sqlite3.Connection, uuids: Collection[str]) -> dict[str, str]:
    """Photos UUID -> Immich id, of those of ``uuids`` imported and still in Photos. The
    albums' plan asks for their new and gone members: a few on a night, looked up (all
    100k imported assets were read each night for them); many at once in one pass."""
    return dict(rows_by_uuid(connection, "SELECT icloud_uuid, immich_id" + _SENDABLE, uuids))


def _raw_on_top(connection: sqlite3.Connection, uuids: list[str]) -> list[tuple[str, Any]]:
    """Whether Photos shows each of these settled assets' RAW as its original: the one part
    of what Photos says that their stacks need."""
    if not uuids:
        return []
    return connection.execute(
        "SELECT icloud_uuid, json_extract(photos_metadata, '$.raw_on_top') FROM imported_assets"
        " WHERE icloud_uuid IN (SELECT value FROM json_each(?))",
        (json.dumps(uuids),),
    ).fetchall()


def _read_in_full(connection: sqlite3.Connection, uuids: list[str]) -> list[ImportedAsset]:
    if not uuids:
        return []
    rows = connection.execute(
        "SELECT icloud_uuid, immich_id, burst_id, photos_metadata, applied_metadata, companions"
        + _SENDABLE
        + " AND icloud_uuid IN (SELECT value FROM json_each(?))",
        (json.dumps(uuids),),
    )
    return [
        ImportedAsset(
            uuid=uuid,
            immich_id=immich_id,
            burst_id=burst_id,
            desired=json.loads(desired or "{}"),
            applied=json.loads(applied) if applied else None,
            companions=_companions(companions),
        )
        for uuid, immich_id, burst_id, desired, applied, companions in rows
    ]


def _companions(text: str | None) -> dict[str, str]:
    return json.loads(text) if text else {}


def record_settled(connection: sqlite3.Connection, keys: dict[str, str]) -> None:
    """The key of each asset all of whose metadata was just sent."""
    with transaction(connection):
        connection.executemany(
            "UPDATE imported_assets SET metadata_settled = ? WHERE icloud_uuid = ?",
            [(key, uuid) for uuid, key in keys.items()],
        )


def record_applied(connection: sqlite3.Connection, applied: dict[str, dict[str, Any]]) -> None:
    with transaction(connection):
        connection.executemany(
            "UPDATE imported_assets SET applied_metadata = ?, updated_at = ? WHERE icloud_uuid = ?",
            [
                (json.dumps(state, sort_keys=True), now_iso(), uuid)
                for uuid, state in applied.items()
            ],
        )


def album_ids(connection: sqlite3.Connection) -> dict[str, tuple[str, str]]:
    """Photos album UUID -> (Immich album id, name last given)."""
    rows = connection.execute(
        "SELECT photos_uuid, immich_id, name FROM album_map WHERE immich_id IS NOT NULL"
    )
    return {row[0]: (row[1], row[2]) for row in rows}


def record_album(
    connection: sqlite3.Connection, uuid: str, immich_id: str, name: str, folders: str
) -> None:
    connection.execute(
        "INSERT INTO album_map (photos_uuid, immich_id, name, folder_path, synced_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT(photos_uuid) DO UPDATE SET"
        " immich_id = excluded.immich_id, name = excluded.name,"
        " folder_path = excluded.folder_path, synced_at = excluded.synced_at",
        (uuid, immich_id, name, folders, now_iso()),
    )


def album_members(connection: sqlite3.Connection) -> dict[str, set[str]]:
    """Photos album UUID -> the assets photos-sync put in its Immich album. SQLite groups
    them: one string per album rather than a tuple per membership (100k of them a night)."""
    rows = connection.execute(
        "SELECT album_uuid, group_concat(asset_uuid, char(31)) FROM album_members"
        " GROUP BY album_uuid"
    )
    return {album: set(assets.split(UNIT_SEPARATOR)) for album, assets in rows}


def record_members(connection: sqlite3.Connection, pairs: list[tuple[str, str]]) -> None:
    connection.executemany("INSERT OR IGNORE INTO album_members VALUES (?, ?)", pairs)


def forget_members(connection: sqlite3.Connection, pairs: list[tuple[str, str]]) -> None:
    connection.executemany(
        "DELETE FROM album_members WHERE album_uuid = ? AND asset_uuid = ?", pairs
    )


def tag_ids(connection: sqlite3.Connection) -> dict[str, str]:
    return {row[0]: row[1] for row in connection.execute("SELECT name, immich_id FROM tag_map")}


def record_tags(connection: sqlite3.Connection, tags: dict[str, str]) -> None:
    connection.executemany(
        "INSERT OR REPLACE INTO tag_map (name, immich_id) VALUES (?, ?)", list(tags.items())
    )


def stacks(connection: sqlite3.Connection) -> dict[str, list[str]]:
    rows = connection.execute("SELECT group_key, members FROM stacks")
    return {row[0]: json.loads(row[1]) for row in rows}


def record_stack(
    connection: sqlite3.Connection, key: str, immich_id: str, members: list[str]
) -> None:
    connection.execute(
        "INSERT OR REPLACE INTO stacks (group_key, immich_id, members) VALUES (?, ?, ?)",
        (key, immich_id, json.dumps(members)),
    )


def people(connection: sqlite3.Connection) -> dict[str, tuple[str, str]]:
    """Photos person UUID -> (Immich person id, name last given)."""
    rows = connection.execute("SELECT photos_uuid, immich_id, name FROM person_map")
    return {row[0]: (row[1], row[2]) for row in rows}


def record_person(
    connection: sqlite3.Connection, photos_uuid: str, immich_id: str, name: str
) -> None:
    connection.execute(
        "INSERT OR REPLACE INTO person_map (photos_uuid, immich_id, name) VALUES (?, ?, ?)",
        (photos_uuid, immich_id, name),
    )


def import_times(connection: sqlite3.Connection, immich_ids: set[str]) -> dict[str, str]:
    """Immich id -> when it was recorded as imported (ISO 8601), for those that were."""
    rows = connection.execute(
        "SELECT immich_id, imported_at FROM imported_assets"
        " WHERE status = 'imported' AND imported_at IS NOT NULL"
    )
    return {row[0]: row[1] for row in rows if row[0] in immich_ids}


def faces_on_missing_edits(connection: sqlite3.Connection) -> list[str]:
    """The Photos UUIDs of imported edited photos with named faces whose edited copy is not
    in Immich: Photos places their faces on the edit, so the metadata plan cannot place
    them (see ``plan.metadata._face_changes``) until the edit is uploaded."""
    rows = connection.execute(
        "SELECT icloud_uuid" + _SENDABLE + " AND json_extract(photos_metadata, '$.faces_on') ="
        " 'edited' AND json_array_length(photos_metadata, '$.faces') > 0"
        " AND json_extract(coalesce(companions, '{}'), '$.edited') IS NULL"
        " ORDER BY icloud_uuid"
    )
    return [uuid for (uuid,) in rows]

"""The ``imported_assets`` table: one row per Photos asset photos-sync knows of.

A row is written when an asset is first scanned (status ``pending``) and updated by every
later scan and import. Status is one of :class:`AssetStatus`; ``archived`` marks assets
deleted from Photos but kept in Immich.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from operator import itemgetter
from typing import Any, NamedTuple

from photos_sync.source.records import LibraryAsset, Subtypes, core_data_time, kind_name
from photos_sync.track.database import rows_by_uuid, transaction, tuples
from photos_sync.track.runs import now_iso

FLAG_COLUMNS = Subtypes.names()


class AssetStatus(StrEnum):
    PENDING = "pending"
    IMPORTED = "imported"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class TrackedAsset:
    """What the tracker holds of one asset (the columns a scan compares). Every command
    reads all of them, 100k on a big library: the subtype flags stay as read until asked
    for (building them for every row doubled the read)."""

    uuid: str
    filename: str | None
    media_type: str | None
    status: AssetStatus
    archived: bool
    in_trash: bool
    photos_modified: float | None  # Core Data seconds, as Photos keeps them
    scanned_at: str | None
    original_availability: str | None
    original_size: int | None
    error_reason: str | None
    asset_created_at: str | None
    flags: tuple[int, ...]

    @property
    def subtypes(self) -> Subtypes:
        return Subtypes(*map(bool, self.flags))


_TRACKED_COLUMNS = (
    "icloud_uuid",
    "filename",
    "media_type",
    "status",
    "archived",
    "in_trash",
    "photos_modified",
    "scanned_at",
    "original_availability",
    "original_size",
    "error_reason",
    "asset_created_at",
    *FLAG_COLUMNS,
)
_FIRST_FLAG = len(_TRACKED_COLUMNS) - len(FLAG_COLUMNS)


_STATUSES = {status.value: status for status in AssetStatus}


def _tracked(row: tuple[Any, ...]) -> TrackedAsset:
    return TrackedAsset(
        row[0],  # uuid, filename, media_type: by position, as this runs 100k times
        row[1],
        row[2],
        _STATUSES[row[3] or AssetStatus.PENDING],
        bool(row[4]),
        bool(row[5]),
        row[6],
        row[7],
        row[8],
        row[9],
        row[10],
        row[11],
        row[_FIRST_FLAG:],
    )


def tracked_assets(
    connection: sqlite3.Connection, uuids: Collection[str] | None = None
) -> dict[str, TrackedAsset]:
    """Every tracked asset by Photos UUID (read in one pass: this runs on every command),
    or only those of ``uuids``."""
    query = f"SELECT {', '.join(_TRACKED_COLUMNS)} FROM imported_assets WHERE TRUE"
    rows = (
        tuples(connection).execute(query)
        if uuids is None
        else rows_by_uuid(connection, query, uuids)
    )
    return {row[0]: _tracked(row) for row in rows}


class ScanState(NamedTuple):
    """What a scan compares of every tracked asset: read for all of them each run, the
    whole record only for the few read again. A :class:`TrackedAsset` has the same."""

    uuid: str
    status: AssetStatus
    archived: bool
    in_trash: bool
    photos_modified: float | None
    scanned_at: str | None
    original_availability: str | None


# What the scan plan compares: these columns alone, or the whole record where read anyway.
Scanned = ScanState | TrackedAsset

# A tracked asset about which a scan needs only Photos' modification time then: in the
# library at its last scan (not archived, not in Photos' trash) and not waiting for a
# missing original. Each term is true or false, never NULL, so every row is on one side.
_USUAL = (
    "archived IS 0 AND in_trash IS 0 AND scanned_at IS NOT NULL"
    " AND (original_availability IS NOT 'missing' OR status IS 'imported')"
)


class ScanStates(NamedTuple):
    """What a scan compares of every tracked asset, in two parts. ``usual``: Photos UUID ->
    Photos' modification time at the last scan, for the assets of :data:`_USUAL` (nearly
    all, on a night); SQLite hands them over as pairs, with no Python object per asset (a
    tuple of seven columns each, 100k a night, took half as long as reading Photos'
    catalog). ``others``: the rest, each with all a scan compares."""

    usual: Mapping[str, float | None]
    others: Mapping[str, Scanned]


def scan_states(connection: sqlite3.Connection) -> ScanStates:
    usual = dict(
        tuples(connection).execute(
            f"SELECT icloud_uuid, photos_modified FROM imported_assets WHERE {_USUAL}"
        )
    )
    rows = tuples(connection).execute(
        "SELECT icloud_uuid, status, archived, in_trash, photos_modified, scanned_at,"
        f" original_availability FROM imported_assets WHERE NOT ({_USUAL})"
    )
    others = {
        row[0]: ScanState(
            row[0], _STATUSES[row[1] or "pending"], bool(row[2]), bool(row[3]), *row[4:]
        )
        for row in rows
    }
    return ScanStates(usual, others)


def live_uuids(connection: sqlite3.Connection) -> list[str]:
    """The Photos UUIDs of every tracked asset not archived."""
    rows = tuples(connection).execute("SELECT icloud_uuid FROM imported_assets WHERE archived = 0")
    return list(map(itemgetter(0), rows))


def photos_metadata(asset: LibraryAsset) -> dict[str, object]:
    """What Photos says of an asset beyond its file, as Immich will get it."""
    text = [part for part in (asset.title, asset.description) if part]
    located = asset.location_from_photos and asset.latitude is not None
    return {
        "description": "\n\n".join(text),
        "keywords": sorted(set(asset.keywords)),
        "persons": list(asset.persons),
        "faces": [[f.person_uuid, f.name, *f.box] for f in asset.faces],
        # Photos places faces on the image as shown: an edited photo's rendering (a crop,
        # a flip), which only the edited copy in Immich matches (--with-edits).
        "faces_on": "edited" if asset.subtypes.is_edited else "original",
        "size": list(asset.display_size) if asset.display_size else None,
        "orientation": asset.orientation,  # where a face of the shown image is in the file
        "date": asset.created_at.isoformat() if asset.date_from_photos else None,
        "location": [asset.latitude, asset.longitude] if located else None,
        "raw_on_top": asset.raw_is_original,
    }


# A scanned asset, with Photos' modification time (Core Data seconds).
Scan = tuple[LibraryAsset, float | None]


# What a scan writes of each asset, in the order of :func:`_scan_values`.
SCAN_COLUMNS = (
    "icloud_uuid",
    "filename",
    "media_type",
    "asset_created_at",
    "original_size",
    "photos_modified_at",
    "photos_modified",
    "original_availability",
    "resources",
    "in_trash",
    "burst_id",
    "photos_metadata",
    "scanned_at",
    "updated_at",
    *FLAG_COLUMNS,
)

# Sorted keys: the text is compared with the last scan's to see whether Photos' metadata
# moved. One encoder for all rows (``json.dumps`` with an option makes one per call).
_sorted_json = json.JSONEncoder(sort_keys=True).encode


def _scan_values(asset: LibraryAsset, modified: float | None, now: str) -> tuple[object, ...]:
    """The asset's row of :data:`SCAN_COLUMNS` (a tuple: a first read makes one for each
    asset of the library)."""
    return (
        asset.uuid,
        asset.filename,
        asset.media_type.value,
        asset.created_at.isoformat(),
        asset.original_size,
        core_data_time(modified),
        modified,
        asset.original.availability.value,
        json.dumps([r.to_json() for r in asset.resources]),
        asset.in_trash,
        asset.burst_id,
        _sorted_json(photos_metadata(asset)),
        now,
        now,
        *asset.subtypes.values(),
    )


_SCAN_UPSERT = (
    f"INSERT INTO imported_assets ({', '.join(SCAN_COLUMNS)}, status)"
    f" VALUES ({', '.join('?' for _ in SCAN_COLUMNS)}, 'pending')"
    " ON CONFLICT(icloud_uuid) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in SCAN_COLUMNS if c != "icloud_uuid")
    # What Photos says of the asset is an input of its metadata: when it moved, what was
    # sent is no longer all of it (SQLite evaluates this against the row before the update).
    + ", metadata_settled = CASE WHEN photos_metadata IS excluded.photos_metadata"
    " THEN metadata_settled END"
)


def save_scanned(connection: sqlite3.Connection, scanned: Iterable[Scan]) -> int:
    """Record what a scan found (asset, Photos modification time); new assets are pending.

    Status, Immich ids and errors are left as they are: a scan describes the library, it
    does not judge an import.
    """
    now = now_iso()
    # In UUID order: SQLite then fills the trees keyed by it page after page instead of
    # jumping about (a first read of 20k assets writes about a fifth faster).
    rows = sorted((_scan_values(*scan, now) for scan in scanned), key=itemgetter(0))
    if rows:
        with transaction(connection):
            connection.executemany(_SCAN_UPSERT, rows)
    return len(rows)


@dataclass(frozen=True)
class AssetRow:
    """One asset as the tracker holds it, for planning an import and checking one."""

    uuid: str
    filename: str | None
    media_type: str | None
    asset_created_at: str  # ISO 8601 with Photos' offset
    photos_modified_at: str | None
    favorite: bool
    hidden: bool
    cinematic: bool
    edited: bool
    shared: bool  # in an iCloud Shared Library, or "Shared with You"
    raw_pair: bool
    resources: list[dict[str, Any]]  # Resource.to_json() of each part
    immich_id: str | None
    sha1: str | None
    motion_video_immich_id: str | None
    companions: dict[str, str]  # "raw" / "edited" -> Immich id
    applied: dict[str, Any]  # the metadata sent to Immich
    kinds: frozenset[str] = frozenset()  # its special kinds (source.records.KINDS names)
    # What Photos says of it (photos_metadata), as JSON: read only by what needs it.
    desired_json: str | None = None
    uploaded: bool = False  # photos-sync sent the file itself (not found on the server)

    @property
    def desired(self) -> dict[str, Any]:
        return dict(json.loads(self.desired_json)) if self.desired_json else {}


def _asset_row(row: sqlite3.Row) -> AssetRow:
    return AssetRow(
        uuid=row["icloud_uuid"],
        filename=row["filename"],
        media_type=row["media_type"],
        asset_created_at=row["asset_created_at"] or "",
        photos_modified_at=row["photos_modified_at"],
        favorite=bool(row["is_favorite"]),
        hidden=bool(row["is_hidden"]),
        cinematic=bool(row["is_cinematic"]),
        edited=bool(row["is_edited"]),
        shared=bool(row["is_shared_library"] or row["is_syndicated"]),
        raw_pair=bool(row["has_raw_pair"]),
        resources=json.loads(row["resources"] or "[]"),
        immich_id=row["immich_id"],
        sha1=row["sha1"],
        motion_video_immich_id=row["motion_video_immich_id"],
        companions=json.loads(row["companions"] or "{}"),
        applied=json.loads(row["applied_metadata"] or "{}"),
        kinds=frozenset(kind_name(c) for c in FLAG_COLUMNS if row[c]),
        desired_json=row["photos_metadata"],
        uploaded=bool(row["uploaded_by_photos_sync"]),
    )


_ORDER = " ORDER BY asset_created_at, icloud_uuid"
_IMPORTED = "SELECT * FROM imported_assets WHERE status = 'imported' AND archived = 0"


def not_imported(connection: sqlite3.Connection) -> list[AssetRow]:
    """What an import may act on: in the library, not archived, not yet imported."""
    rows = connection.execute(
        "SELECT * FROM imported_assets WHERE status != 'imported' AND archived = 0"
        " AND in_trash = 0 AND icloud_uuid NOT IN (SELECT icloud_uuid FROM ignored_assets)" + _ORDER
    )
    return [_asset_row(row) for row in rows]


def imported(connection: sqlite3.Connection) -> list[AssetRow]:
    """Every asset in Immich (not archived), in capture order."""
    return [_asset_row(row) for row in connection.execute(_IMPORTED + _ORDER)]


def imported_live_photos(connection: sqlite3.Connection, *, only_unlinked: bool) -> list[AssetRow]:
    """Imported Live Photos (optionally only those whose motion video is not linked)."""
    unlinked = " AND motion_video_immich_id IS NULL" if only_unlinked else ""
    rows = connection.execute(_IMPORTED + " AND has_paired_video = 1" + unlinked + _ORDER)
    return [_asset_row(row) for row in rows]


def imported_cinematic_without_sidecars(connection: sqlite3.Connection) -> list[AssetRow]:
    rows = connection.execute(
        _IMPORTED + " AND is_cinematic = 1"
        " AND (cinematic_sidecars IS NULL OR cinematic_sidecars = '[]')" + _ORDER
    )
    return [_asset_row(row) for row in rows]


def last_upload(connection: sqlite3.Connection) -> str | None:
    """When photos-sync last put an asset into Immich (ISO 8601, UTC)."""
    row = connection.execute("SELECT MAX(imported_at) FROM imported_assets").fetchone()
    return str(row[0]) if row and row[0] else None


def immich_ids(connection: sqlite3.Connection) -> dict[str, str]:
    """Photos UUID -> Immich id, for every asset that has one."""
    rows = connection.execute(
        "SELECT icloud_uuid, immich_id FROM imported_assets WHERE immich_id IS NOT NULL"
    )
    return {row[0]: row[1] for row in rows}


def imported_uuids(connection: sqlite3.Connection) -> set[str]:
    rows = connection.execute("SELECT icloud_uuid FROM imported_assets WHERE status = 'imported'")
    return {row[0] for row in rows}


def recorded_digests(
    connection: sqlite3.Connection, uuids: Collection[str]
) -> dict[str, str | None]:
    """Of these tracked assets, Photos UUID -> the digest of what Photos showed of it when
    last read (None: read before digests were kept)."""
    rows = connection.execute(
        "SELECT icloud_uuid, photos_digest FROM imported_assets"
        " WHERE icloud_uuid IN (SELECT value FROM json_each(?))",
        (json.dumps(sorted(uuids)),),
    )
    return dict(rows.fetchall())


def record_digests(connection: sqlite3.Connection, digests: dict[str, str]) -> None:
    with transaction(connection):
        connection.executemany(
            "UPDATE imported_assets SET photos_digest = ? WHERE icloud_uuid = ?",
            [(digest, uuid) for uuid, digest in digests.items()],
        )


def record_sending(connection: sqlite3.Connection, sent: dict[str, str]) -> None:
    """Photos UUID -> the SHA-1 of the original about to be uploaded, kept before it goes
    (one transaction for a chunk of uploads)."""
    with transaction(connection):
        connection.executemany(
            "UPDATE imported_assets SET sent_sha1 = ? WHERE icloud_uuid = ?",
            [(sha1, uuid) for uuid, sha1 in sent.items()],
        )


def sent_before(connection: sqlite3.Connection, uuids: list[str]) -> dict[str, str]:
    """Photos UUID -> the SHA-1 photos-sync once began to upload for it, where it did."""
    rows = connection.execute(
        "SELECT icloud_uuid, sent_sha1 FROM imported_assets"
        " WHERE icloud_uuid IN (SELECT value FROM json_each(?)) AND sent_sha1 IS NOT NULL",
        (json.dumps(uuids),),
    )
    return dict(rows.fetchall())


def record_imported(
    connection: sqlite3.Connection,
    uuid: str,
    *,
    immich_id: str,
    sha1: str,
    file_size: int,
    motion_video_immich_id: str | None,
    cinematic_sidecars: list[str] | None,
    note: str | None = None,
    applied: dict[str, object] | None = None,
    companions: dict[str, str] | None = None,
    uploaded: bool = True,
) -> None:
    """The asset is in Immich: keep its id, checksum and linked parts (one commit).
    ``uploaded``: photos-sync sent the file (not found there already): only such assets may
    follow a deletion in Photos into Immich."""
    now = now_iso()
    connection.execute(
        "UPDATE imported_assets SET status = 'imported', immich_id = ?, sha1 = ?,"
        " file_size = ?, motion_video_immich_id = ?, cinematic_sidecars = ?,"
        " error_reason = ?, imported_at = ?, updated_at = ?, applied_metadata = ?,"
        " metadata_settled = NULL,"
        " companions = COALESCE(?, companions), uploaded_by_photos_sync = ?,"
        " removed_in_immich = NULL WHERE icloud_uuid = ?",
        (
            immich_id,
            sha1,
            file_size,
            motion_video_immich_id,
            json.dumps(cinematic_sidecars) if cinematic_sidecars is not None else None,
            note,
            now,
            now,
            json.dumps(applied, sort_keys=True) if applied is not None else None,
            json.dumps(companions) if companions else None,
            int(uploaded),
            uuid,
        ),
    )


def record_problem(
    connection: sqlite3.Connection, uuid: str, status: AssetStatus, reason: str
) -> None:
    """The asset was skipped (with why) or failed (with the error) (one commit)."""
    connection.execute(
        "UPDATE imported_assets SET status = ?, error_reason = ?, updated_at = ?"
        " WHERE icloud_uuid = ?",
        (status.value, reason, now_iso(), uuid),
    )


def imported_sha1s(connection: sqlite3.Connection) -> set[str]:
    """The SHA-1 of every original photos-sync put into Immich (what a restore must hold)."""
    rows = connection.execute(
        "SELECT sha1 FROM imported_assets WHERE status = 'imported' AND sha1 IS NOT NULL"
    )
    return {row[0] for row in rows}


def record_motion_video(connection: sqlite3.Connection, uuid: str, video_id: str) -> None:
    connection.execute(
        "UPDATE imported_assets SET motion_video_immich_id = ?, updated_at = ?"
        " WHERE icloud_uuid = ?",
        (video_id, now_iso(), uuid),
    )


def record_sidecars(connection: sqlite3.Connection, uuid: str, names: list[str]) -> None:
    connection.execute(
        "UPDATE imported_assets SET cinematic_sidecars = ?, updated_at = ? WHERE icloud_uuid = ?",
        (json.dumps(names), now_iso(), uuid),
    )


def archive_assets(connection: sqlite3.Connection, uuids: list[str]) -> None:
    """Gone from Photos, kept in Immich: marked archived, nothing deleted."""
    now = now_iso()
    with transaction(connection):
        connection.executemany(
            "UPDATE imported_assets SET archived = 1, updated_at = ? WHERE icloud_uuid = ?",
            [(now, uuid) for uuid in uuids],
        )


def unarchive_assets(connection: sqlite3.Connection, uuids: list[str]) -> None:
    """Back in Photos (a library copy that was missing them, a restore): followed again."""
    now = now_iso()
    with transaction(connection):
        connection.executemany(
            "UPDATE imported_assets SET archived = 0, updated_at = ? WHERE icloud_uuid = ?",
            [(now, uuid) for uuid in uuids],
        )


def forget_assets(connection: sqlite3.Connection, uuids: list[str]) -> None:
    """Gone from Photos and never in Immich: nothing to keep track of."""
    with transaction(connection):
        connection.executemany(
            "DELETE FROM imported_assets WHERE icloud_uuid = ? AND status != 'imported'",
            [(uuid,) for uuid in uuids],
        )


def reset_to_pending(connection: sqlite3.Connection, uuids: list[str]) -> None:
    """Forget an import that no longer holds (the asset vanished from the server): with its
    Immich id go what was sent to it, its album memberships and its stacks, so the asset
    uploaded again gets them all again (they named the old id). Its RAW and edited
    renderings are still on the server: they are kept, and stacked with it again."""
    now = now_iso()
    with transaction(connection):
        connection.executemany(
            "UPDATE imported_assets SET status = 'pending', immich_id = NULL,"
            " motion_video_immich_id = NULL, error_reason = NULL, applied_metadata = NULL,"
            " metadata_settled = NULL,"
            " updated_at = ? WHERE icloud_uuid = ?",
            [(now, uuid) for uuid in uuids],
        )
        connection.executemany(
            "DELETE FROM album_members WHERE asset_uuid = ?", [(uuid,) for uuid in uuids]
        )
        connection.executemany(
            "DELETE FROM stacks WHERE EXISTS (SELECT 1 FROM json_each(stacks.members)"
            " WHERE json_each.value = ? OR json_each.value LIKE ? || ':%')",
            [(uuid, uuid) for uuid in uuids],
        )


IGNORED_BY_YOU = "ignored by you (photos-sync ignore)"


def ignore_assets(connection: sqlite3.Connection, uuids: list[str]) -> list[str]:
    """Never upload these (those the tracker knows and has not imported); recorded as
    skipped with why. Returns the ones ignored now."""
    known = {
        row[0]
        for row in connection.execute(
            f"SELECT icloud_uuid FROM imported_assets WHERE status != 'imported'"
            f" AND icloud_uuid IN ({','.join('?' * len(uuids))})",
            uuids,
        )
    }
    now = now_iso()
    with transaction(connection):
        for uuid in sorted(known):
            connection.execute(
                "INSERT OR REPLACE INTO ignored_assets (icloud_uuid, ignored_at) VALUES (?, ?)",
                (uuid, now),
            )
            connection.execute(
                "UPDATE imported_assets SET status = 'skipped', error_reason = ?, updated_at = ?"
                " WHERE icloud_uuid = ?",
                (IGNORED_BY_YOU, now, uuid),
            )
    return sorted(known)


def unignore_assets(connection: sqlite3.Connection, uuids: list[str]) -> list[str]:
    """Take assets off the ignore list: the next import tries them again."""
    now = now_iso()
    taken = []
    with transaction(connection):
        for uuid in uuids:
            if connection.execute(
                "DELETE FROM ignored_assets WHERE icloud_uuid = ?", (uuid,)
            ).rowcount:
                taken.append(uuid)
                connection.execute(
                    "UPDATE imported_assets SET status = 'pending', error_reason = NULL,"
                    " updated_at = ? WHERE icloud_uuid = ? AND status = 'skipped'",
                    (now, uuid),
                )
    return taken


def removable_in_immich(connection: sqlite3.Connection, uuids: list[str]) -> dict[str, str]:
    """Photos UUID -> Immich id of those photos-sync uploaded itself and has not yet moved
    in Immich (a deletion in Photos may follow them there; nothing else is touched). An
    Immich asset that a Photos asset still in the library also maps to (the same bytes
    twice in Photos are one asset in Immich) stays: it is not in the answer."""
    gone = json.dumps(uuids)
    rows = connection.execute(
        "SELECT icloud_uuid, immich_id FROM imported_assets mine"
        " WHERE icloud_uuid IN (SELECT value FROM json_each(?))"
        " AND uploaded_by_photos_sync = 1 AND removed_in_immich IS NULL"
        " AND immich_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM imported_assets other"
        "  WHERE other.immich_id = mine.immich_id AND other.archived = 0"
        "  AND other.icloud_uuid NOT IN (SELECT value FROM json_each(?)))",
        (gone, gone),
    )
    return dict(rows.fetchall())


def companion_ids(connection: sqlite3.Connection, uuids: Collection[str]) -> dict[str, list[str]]:
    """Photos UUID -> the Immich ids of its companions (its RAW half, its edited rendering):
    what happens to the original in Immich happens to them."""
    rows = connection.execute(
        "SELECT icloud_uuid, companions FROM imported_assets"
        " WHERE icloud_uuid IN (SELECT value FROM json_each(?)) AND companions IS NOT NULL",
        (json.dumps(sorted(uuids)),),
    )
    return {uuid: sorted(json.loads(found).values()) for uuid, found in rows if found}


def record_removed(connection: sqlite3.Connection, how: dict[str, str | None]) -> None:
    """What photos-sync did in Immich to each asset deleted in Photos ("archive"/"trash")."""
    with transaction(connection):
        connection.executemany(
            "UPDATE imported_assets SET removed_in_immich = ? WHERE icloud_uuid = ?",
            [(done, uuid) for uuid, done in how.items()],
        )


def back_from_deletion(connection: sqlite3.Connection) -> dict[str, tuple[str, str]]:
    """Assets photos-sync archived or trashed in Immich that are in Photos again (the scan
    made them active): Photos UUID -> (Immich id, what was done)."""
    rows = connection.execute(
        "SELECT icloud_uuid, immich_id, removed_in_immich FROM imported_assets"
        " WHERE removed_in_immich IS NOT NULL AND archived = 0"
    )
    return {row[0]: (row[1], row[2]) for row in rows}

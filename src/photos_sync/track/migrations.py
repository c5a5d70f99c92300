"""The tracker's schema, as numbered steps applied in order (``PRAGMA user_version``).

A step is never edited once released: a change to the schema is a new step. Version 1 is
the original tool's schema, column for column, so its three tables read the same; version 2
adds what photos-sync needs beyond it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    statements: tuple[str, ...]


_SEED_SUBTYPE_COLUMNS = (
    "is_live_photo",
    "is_portrait",
    "is_hdr",
    "is_panorama",
    "is_screenshot",
    "is_cinematic",
    "is_slomo",
    "is_timelapse",
    "is_spatial_video",
    "is_proraw",
    "has_paired_video",
)
_NEW_SUBTYPE_COLUMNS = (
    "is_spatial_photo",
    "is_selfie",
    "is_burst",
    "has_raw_pair",
    "is_edited",
    "is_hidden",
    "is_favorite",
)


def _flag_columns(names: tuple[str, ...]) -> str:
    return ",\n".join(f"    {name} INTEGER NOT NULL DEFAULT 0" for name in names)


SEED_SCHEMA = Migration(
    1,
    "the original tool's tables: imported_assets, backup_destinations, backup_jobs",
    (
        f"""CREATE TABLE imported_assets (
    icloud_uuid TEXT PRIMARY KEY,
    immich_id TEXT,
    filename TEXT,
    file_size INTEGER,
    media_type TEXT,
    imported_at TEXT,
    archived INTEGER NOT NULL DEFAULT 0,
{_flag_columns(_SEED_SUBTYPE_COLUMNS)},
    motion_video_immich_id TEXT,
    cinematic_sidecars TEXT,
    status TEXT,
    error_reason TEXT,
    asset_created_at TEXT
)""",
        """CREATE TABLE backup_destinations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    bucket_name TEXT,
    remote_path TEXT,
    created_at TEXT NOT NULL,
    last_backup_at TEXT
)""",
        """CREATE TABLE backup_jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    destination_id INTEGER NOT NULL REFERENCES backup_destinations(id) ON DELETE CASCADE,
    source_path TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'PENDING'
        CHECK (status IN ('PENDING', 'RUNNING', 'COMPLETED', 'INTERRUPTED', 'FAILED')),
    bytes_total INTEGER NOT NULL DEFAULT 0,
    bytes_transferred INTEGER NOT NULL DEFAULT 0,
    files_total INTEGER NOT NULL DEFAULT 0,
    files_transferred INTEGER NOT NULL DEFAULT 0,
    transfer_speed REAL NOT NULL DEFAULT 0,
    started_at TEXT,
    completed_at TEXT,
    last_update TEXT,
    error_message TEXT,
    retry_count INTEGER NOT NULL DEFAULT 0,
    priority INTEGER NOT NULL
)""",
        "CREATE INDEX backup_jobs_destination ON backup_jobs (destination_id, priority)",
    ),
)

PHOTOS_SYNC_ADDITIONS = Migration(
    2,
    "photos-sync's additions: checksums, Photos dates, resources, more flags, albums, runs",
    (
        *(
            f"ALTER TABLE imported_assets ADD COLUMN {name} INTEGER NOT NULL DEFAULT 0"
            for name in _NEW_SUBTYPE_COLUMNS
        ),
        "ALTER TABLE imported_assets ADD COLUMN sha1 TEXT",
        "ALTER TABLE imported_assets ADD COLUMN original_size INTEGER",
        "ALTER TABLE imported_assets ADD COLUMN photos_modified_at TEXT",
        "ALTER TABLE imported_assets ADD COLUMN original_availability TEXT",
        "ALTER TABLE imported_assets ADD COLUMN resources TEXT",
        "ALTER TABLE imported_assets ADD COLUMN in_trash INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE imported_assets ADD COLUMN scanned_at TEXT",
        "ALTER TABLE imported_assets ADD COLUMN updated_at TEXT",
        # The original tool left status empty for assets it had not tried; we say 'pending'.
        "UPDATE imported_assets SET status = 'pending' WHERE status IS NULL OR status = ''",
        "CREATE INDEX imported_assets_status ON imported_assets (status, archived)",
        "CREATE INDEX imported_assets_sha1 ON imported_assets (sha1)",
        """CREATE TABLE album_map (
    photos_uuid TEXT PRIMARY KEY,
    immich_id TEXT,
    name TEXT NOT NULL,
    folder_path TEXT,
    synced_at TEXT
)""",
        """CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    command TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    outcome TEXT,
    summary TEXT
)""",
    ),
)

METADATA = Migration(
    3,
    "what Photos says of each asset beyond its file, and what was sent to Immich of it",
    (
        "ALTER TABLE imported_assets ADD COLUMN burst_id TEXT",
        "ALTER TABLE imported_assets ADD COLUMN photos_metadata TEXT",
        "ALTER TABLE imported_assets ADD COLUMN applied_metadata TEXT",
        """CREATE TABLE album_members (
    album_uuid TEXT NOT NULL,
    asset_uuid TEXT NOT NULL,
    PRIMARY KEY (album_uuid, asset_uuid)
)""",
        """CREATE TABLE tag_map (
    name TEXT PRIMARY KEY,
    immich_id TEXT NOT NULL
)""",
        """CREATE TABLE stacks (
    group_key TEXT PRIMARY KEY,
    immich_id TEXT NOT NULL,
    members TEXT NOT NULL
)""",
    ),
)

COMPANIONS = Migration(
    4,
    "shared-library flags; the Immich ids of an asset's RAW and edited renderings",
    (
        "ALTER TABLE imported_assets ADD COLUMN is_shared_library INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE imported_assets ADD COLUMN is_syndicated INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE imported_assets ADD COLUMN companions TEXT",
    ),
)

TRUST = Migration(
    5,
    "files each backup folder held when last completed (the deletion guard); which Immich"
    " server and user the tracker's ids belong to; the import choices remembered",
    (
        """CREATE TABLE choices (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
)""",
        "ALTER TABLE backup_jobs ADD COLUMN files_in_backup INTEGER",
        """CREATE TABLE server_binding (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
)""",
    ),
)

IGNORED = Migration(
    6,
    "assets the user told photos-sync never to upload (photos-sync ignore); which assets"
    " photos-sync uploaded itself, and what it did to them in Immich when Photos deleted them;"
    " the Immich person made for each named person of Photos",
    (
        """CREATE TABLE ignored_assets (
    icloud_uuid TEXT PRIMARY KEY,
    ignored_at TEXT NOT NULL
)""",
        "ALTER TABLE imported_assets ADD COLUMN uploaded_by_photos_sync INTEGER",
        """CREATE TABLE person_map (
    photos_uuid TEXT PRIMARY KEY,
    immich_id TEXT NOT NULL,
    name TEXT NOT NULL
)""",
        "ALTER TABLE imported_assets ADD COLUMN removed_in_immich TEXT",
    ),
)

SETTLED = Migration(
    7,
    "the inputs of each asset's metadata when all of it was last sent, so a nightly run"
    " reads and plans only the assets whose inputs moved since",
    ("ALTER TABLE imported_assets ADD COLUMN metadata_settled TEXT",),
)

# Photos' modification time as Core Data seconds beside its ISO text, carried over from the
# text (exact to the microsecond it kept): the nightly scan compares 100k of them, and
# formatting each of Photos' times as text to compare was a tenth of a night with nothing new.
MODIFIED_AS_NUMBER = Migration(
    8,
    "Photos' modification time of each asset as a number, as Photos keeps it, so a scan"
    " compares without formatting every asset's time",
    (
        "ALTER TABLE imported_assets ADD COLUMN photos_modified REAL",
        "UPDATE imported_assets SET photos_modified ="
        " CAST(strftime('%s', substr(photos_modified_at, 1, 19)) AS INTEGER) - 978307200"
        " + CAST(substr(photos_modified_at, 21, 6) AS INTEGER) / 1000000.0"
        " WHERE photos_modified_at LIKE '____-__-__T__:__:__.______+00:00'",
    ),
)

# What a night reads of every asset, in two narrow indexes: the scan's comparison (and the
# cleanup's list of what is live), and the metadata plan's settled check. The rows are
# mostly JSON (what Photos says, what was sent, the files); reading 100k of them whole four
# times a night was a tenth of a run with nothing new, and more when the tracker has left
# the disk cache since the night before.
NIGHTLY_INDEXES = Migration(
    9,
    "two indexes holding what a nightly run reads of every asset, so it reads them and"
    " not the whole rows",
    (
        "CREATE INDEX imported_assets_scan ON imported_assets (icloud_uuid, status,"
        " archived, in_trash, photos_modified, scanned_at, original_availability)",
        "CREATE INDEX imported_assets_sendable ON imported_assets (status, archived,"
        " in_trash, icloud_uuid, immich_id, metadata_settled, burst_id, companions)",
    ),
)

# The Photos library the tracker belongs to: its rows are that library's assets, and those
# of another library would all look deleted (and follow into Immich's trash).
LIBRARY_BINDING = Migration(
    10,
    "the Photos library the tracker's rows belong to (its store's UUID, where it was)",
    ("CREATE TABLE library_binding (key TEXT PRIMARY KEY, value TEXT NOT NULL)",),
)

# The SHA-1 of the file photos-sync began to send, written before the upload: a run killed
# between an upload and its record leaves the asset on the server, and the next run, finding
# those bytes by checksum, knows the upload was its own (Photos' dates and zones then still
# go to it, and a deletion may follow it), not a photo the phone app put there.
SENDING = Migration(
    11,
    "the SHA-1 of the file photos-sync began to upload, so a lost answer is known as ours",
    ("ALTER TABLE imported_assets ADD COLUMN sent_sha1 TEXT",),
)

# A digest of what Photos shows of each asset beyond its file (source/catalog.py digests):
# a change Photos made without moving the asset's modification date is found by it. The
# index holds it beside the UUID, so a night reads 100k digests without the wide rows.
DIGESTS = Migration(
    12,
    "a digest of what Photos shows of each asset, to see changes that move no date",
    (
        "ALTER TABLE imported_assets ADD COLUMN photos_digest TEXT",
        "CREATE INDEX imported_assets_digest ON imported_assets (icloud_uuid, photos_digest)",
    ),
)

MIGRATIONS: tuple[Migration, ...] = (
    SEED_SCHEMA,
    PHOTOS_SYNC_ADDITIONS,
    METADATA,
    COMPANIONS,
    TRUST,
    IGNORED,
    SETTLED,
    MODIFIED_AS_NUMBER,
    NIGHTLY_INDEXES,
    LIBRARY_BINDING,
    SENDING,
    DIGESTS,
)
LATEST_VERSION = MIGRATIONS[-1].version

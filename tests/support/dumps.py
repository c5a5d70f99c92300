"""Immich database dumps for tests, in the format of a real Immich 3.1.0's
``backup-database`` job (plain pg_dump text, gzipped): the COPY headers below are copied
from a dump the e2e kit's server made (2026-12-02), trimmed to the tables photos-sync
reads; every other column of a row is NULL."""

from __future__ import annotations

import gzip
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

ASSET_COLUMNS = (
    'id, "ownerId", type, "originalPath", "fileCreatedAt", "fileModifiedAt", "isFavorite", '
    'duration, checksum, "livePhotoVideoId", "updatedAt", "createdAt", "originalFileName", '
    'thumbhash, "isOffline", "libraryId", "isExternal", "deletedAt", "localDateTime", '
    '"stackId", "duplicateId", status, "updateId", visibility, width, height, "isEdited", '
    '"checksumAlgorithm"'
)
EXIF_COLUMNS = (
    '"assetId", make, model, "exifImageWidth", "exifImageHeight", "fileSizeInByte", '
    'orientation, "dateTimeOriginal", "modifyDate", "lensModel", "fNumber", "focalLength", '
    'iso, latitude, longitude, city, state, country, description, fps, "exposureTime", '
    '"livePhotoCID", "timeZone", "projectionType", "profileDescription", colorspace, '
    '"bitsPerSample", "autoStackId", rating, "updatedAt", "updateId", "lockedProperties", tags'
)


def _row(columns: str, values: dict[str, str]) -> str:
    names = [c.strip().strip('"') for c in columns.split(",")]
    return "\t".join(values.get(name, "\\N") for name in names)


def dump_text(media_location: Path, originals: dict[str, int]) -> str:
    """A dump naming these originals (path inside the media folder -> bytes)."""
    owner = str(uuid.uuid4())
    assets, exif = [], []
    for relative, size in sorted(originals.items()):
        asset_id = str(uuid.uuid4())
        path = f"{media_location}/{relative}"
        values = {
            "id": asset_id,
            "ownerId": owner,
            "type": "IMAGE",
            "originalPath": path,
            "isExternal": "f",
            "status": "active",
            "originalFileName": Path(path).name,
        }
        assets.append(_row(ASSET_COLUMNS, values))
        exif.append(_row(EXIF_COLUMNS, {"assetId": asset_id, "fileSizeInByte": str(size)}))
    location = json.dumps({"location": str(media_location)})
    return "\n".join(
        [
            "--",
            "-- PostgreSQL database dump",
            "--",
            "SET statement_timeout = 0;",
            f"COPY public.asset ({ASSET_COLUMNS}) FROM stdin;",
            *assets,
            "\\.",
            "",
            f"COPY public.asset_exif ({EXIF_COLUMNS}) FROM stdin;",
            *exif,
            "\\.",
            "",
            "COPY public.system_metadata (key, value) FROM stdin;",
            f"MediaLocation\t{location}",
            "\\.",
            "",
        ]
    )


def write_dump(media_location: Path, when: datetime | None = None) -> Path:
    """What Immich's ``backup-database`` job leaves in ``backups/``: a dump of the server
    whose files are the ones under ``upload/`` and ``library/`` of the media folder."""
    when = when or datetime.now(UTC)
    originals = {
        str(p.relative_to(media_location)): p.stat().st_size
        for top in ("upload", "library")
        for p in sorted((media_location / top).rglob("*"))
        if p.is_file()
    }
    folder = media_location / "backups"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"immich-db-backup-{when:%Y%m%dT%H%M%S}-v3.1.0-pg15.20.sql.gz"
    target.write_bytes(gzip.compress(dump_text(media_location, originals).encode()))
    return target

"""Asset operations of the double: upload, bulk check, read, update, search, trash.

Behaviour follows Immich 3.1.0 as recorded in ``shared/immich/observed-v3.1.0.md``: created
201 / duplicate 200 by (owner, SHA-1) including trashed assets, the three Live Photo 400s,
the linked video hidden, unknown ids answered 400 ``Not found or no asset.<perm> access``.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import time
import uuid
from datetime import UTC, datetime
from functools import partial
from typing import Any

from tests.support.immich_double.sidecars import read_sidecar
from tests.support.immich_double.state import (
    ApiKey,
    Asset,
    Face,
    Person,
    ServerState,
    asset_type,
    now_iso,
)
from tests.support.immich_double.uploads import SIDECAR_PART, UploadedForm

Reply = tuple[int, Any]


def decode_checksum(value: str) -> bytes | None:
    """Hex (40 characters) or base64 (28), decided by length as Immich does."""
    try:
        if len(value) == 40:
            return bytes.fromhex(value)
        if len(value) == 28:
            return base64.b64decode(value)
    except (ValueError, binascii.Error):
        return None
    return None


def asset_json(state: ServerState, asset: Asset) -> dict[str, Any]:
    owner = asset.owner
    extension = asset.original_file_name.rsplit(".", 1)[-1]
    return {
        "id": asset.id,
        "createdAt": asset.created_at,
        "ownerId": owner.id,
        "owner": {
            "id": owner.id,
            "email": owner.email,
            "name": owner.name,
            "profileImagePath": "",
            "avatarColor": "gray",
            "profileChangedAt": asset.created_at,
        },
        "libraryId": None,
        "type": asset.type,
        "originalPath": f"/data/upload/{owner.id}/{asset.id[:2]}/{asset.id}.{extension}",
        "originalFileName": asset.original_file_name,
        # Made at once: the double has read the file when it answers (unless told to be slow).
        "thumbhash": None
        if asset.original_file_name in state.still_reading or state.being_read(asset.id)
        else "AAAA",
        "fileCreatedAt": asset.file_created_at,
        "fileModifiedAt": asset.file_modified_at,
        "localDateTime": asset.local_date_time or asset.file_created_at,
        "updatedAt": asset.updated_at,
        "isFavorite": asset.is_favorite,
        "isArchived": asset.visibility == "archive",
        "isTrashed": asset.trashed,
        "visibility": asset.visibility,
        "duration": 1000 if asset.type == "VIDEO" else None,
        "exifInfo": {
            "dateTimeOriginal": asset.date_time_original,
            "description": asset.description,
            "latitude": asset.latitude,
            "longitude": asset.longitude,
        },
        "livePhotoVideoId": asset.live_photo_video_id,
        "tags": [_tag(state, tag_id) for tag_id in sorted(asset.tags)],
        "people": [],
        "checksum": base64.b64encode(asset.checksum).decode(),
        # Immich sends "stack": null; openapi-core mis-reads the spec's nullable allOf, so the
        # double leaves the optional field out when there is no stack.
        "isOffline": False,
        "hasMetadata": True,
        "duplicateId": None,
        # Real Immich sets these when it has read the file (its metadata extraction); the
        # double has read everything the moment it answers.
        "width": 1000,
        "height": 750,
        "isEdited": False,
    }


def _tag(state: ServerState, tag_id: str) -> dict[str, Any]:
    from tests.support.immich_double.organizing import _tag_json

    return _tag_json(state.tags[tag_id])


def _owned(state: ServerState, key: ApiKey, asset_id: str, permission: str) -> Asset | Reply:
    asset = state.assets.get(asset_id)
    if asset is None or asset.owner.id != key.user.id or asset.visibility == "locked":
        return 400, {"message": f"Not found or no {permission} access"}
    return asset


def _link_live_photo(state: ServerState, key: ApiKey, video_id: str) -> Reply | None:
    """Immich's checks on a livePhotoVideoId; hides the video (None when all is well)."""
    video = state.assets.get(video_id)
    if video is None:
        return 400, {"message": "Live photo video not found"}
    if video.type != "VIDEO":
        return 400, {"message": "Live photo video must be a video"}
    if video.owner.id != key.user.id:
        return 400, {"message": "Live photo video does not belong to the user"}
    if video.visibility == "timeline":
        video.visibility = "hidden"
    return None


def upload(state: ServerState, form: UploadedForm, key: ApiKey) -> Reply:
    data = form.files.get("assetData")
    if data is None:
        return 400, {"message": "File is required"}
    filename = form.fields.get("filename") or data.filename
    kind = asset_type(filename)
    if kind is None:
        return 400, {"message": f"Unsupported file type {filename}"}
    if data.size == 0:
        return 400, {"message": "File is empty"}
    refused = _sidecar_refused(form)
    if refused is not None:
        return refused
    with state.lock:
        state.paused_at_uploads.append(frozenset(n for n, paused in state.queues.items() if paused))
    with state.lock:
        existing = state.find_by_checksum(key.user, data.sha1)
        if existing is not None:
            return 200, {"status": "duplicate", "id": existing.id}
        video_id = form.fields.get("livePhotoVideoId")
        if video_id:
            refusal = _link_live_photo(state, key, video_id)
            if refusal is not None:
                return refusal
        metadata = json.loads(form.fields.get("metadata") or "[]")
        asset, _ = state.add_asset(
            Asset(
                id=str(uuid.uuid4()),
                owner=key.user,
                type=kind,
                original_file_name=filename,
                checksum=data.sha1,
                size=data.size,
                file_created_at=form.fields["fileCreatedAt"],
                file_modified_at=form.fields["fileModifiedAt"],
                is_favorite=form.fields.get("isFavorite") == "true",
                visibility=form.fields.get("visibility", "timeline"),
                live_photo_video_id=video_id or None,
                metadata={item["key"]: item["value"] for item in metadata},
            )
        )
        sidecar = form.files.get(SIDECAR_PART)
        fields = read_sidecar(sidecar.data) if sidecar else {}
        reading = partial(_read_with_sidecar, state, asset, key, fields)
        if state.reading_seconds:
            state.readings.append((time.monotonic() + state.reading_seconds, asset.id, reading))
        else:
            reading()
    return 201, {"id": asset.id, "status": "created"}


def _sidecar_refused(form: UploadedForm) -> Reply | None:
    """Immich checks a file part's type by the ``filename`` field when that field came
    before the part: a sidecar part after it is taken for a second photo and refused."""
    if SIDECAR_PART not in form.files:
        return None
    named = form.fields.get("filename")
    if named and form.order.index("filename") < form.order.index(SIDECAR_PART):
        return 400, {"message": f"Unsupported file type {named}"}
    if not form.files[SIDECAR_PART].filename.lower().endswith(".xmp"):
        return 400, {"message": f"Unsupported file type {form.files[SIDECAR_PART].filename}"}
    return None


def _read_with_sidecar(
    state: ServerState, asset: Asset, key: ApiKey, sidecar: dict[str, Any]
) -> None:
    """Immich's first metadata extraction of a new upload: what the file says (the tests'
    ``file_dates`` and ``file_keywords``), the sidecar's tags winning; a sidecar's date
    brings its zone, or the place's zone when it has a place (the zone comes from GPS before
    the date's offset in exiftool-vendored)."""
    from tests.support.immich_double.organizing import upsert_tags

    filename = asset.original_file_name
    if filename in state.file_dates:
        asset.date_time_original, asset.local_date_time = state.file_dates[filename]
    description = sidecar.get("ImageDescription") or sidecar.get("Description")
    if description:
        asset.description = description
    if sidecar.get("DateTimeOriginal"):
        asset.date_time_original, asset.local_date_time = sidecar["DateTimeOriginal"], None
    if "GPSLatitude" in sidecar and "GPSLongitude" in sidecar:
        asset.latitude, asset.longitude = sidecar["GPSLatitude"], sidecar["GPSLongitude"]
        _zone_from_place(asset)
    tags = sidecar.get("TagsList", state.file_keywords.get(filename))
    if tags:
        _, made = upsert_tags(state, {"tags": [str(tag) for tag in tags]}, key)
        asset.tags.update(tag["id"] for tag in made)
    if state.system_config["metadata"]["faces"]["import"] and "RegionInfo" in sidecar:
        _import_faces(state, asset, key, sidecar["RegionInfo"])


def _import_faces(state: ServerState, asset: Asset, key: ApiKey, info: dict[str, Any]) -> None:
    """Immich's face import (metadata.service.ts, applyTaggedFaces): each named region a
    face of the owner's person of that name, any case, made when there is none; the
    faces it imported before replaced. The double reads no file: its orientation is 1."""
    width, height = info["AppliedToDimensions"]["W"], info["AppliedToDimensions"]["H"]
    by_name = {
        person.name.lower(): person
        for person in state.people.values()
        if person.owner.id == key.user.id
    }
    for face_id in [f.id for f in state.faces.values() if f.asset_id == asset.id]:
        if state.faces[face_id].source == "exif":
            del state.faces[face_id]
    for region in info["RegionList"]:
        if not region["Name"]:
            continue
        person = by_name.get(region["Name"].lower())
        made = person is None
        if person is None:
            person = Person(str(uuid.uuid4()), key.user, region["Name"])
            state.people[person.id] = by_name[person.name.lower()] = person
        x, y, w, h = (region["Area"][k] for k in "XYWH")
        box = (
            math.floor((x - w / 2) * width),
            math.floor((y - h / 2) * height),
            math.floor((x + w / 2) * width),
            math.floor((y + h / 2) * height),
        )
        face = Face(str(uuid.uuid4()), asset.id, person.id, width, height, box, "exif")
        state.faces[face.id] = face
        if made:  # a person it made gets this face as its picture; one it found does not
            person.face_id = face.id


def early_duplicate(state: ServerState, checksum_header: str, key: ApiKey) -> Reply | None:
    """The ``x-immich-checksum`` interceptor: a duplicate is answered before the body."""
    checksum = decode_checksum(checksum_header)
    existing = state.find_by_checksum(key.user, checksum) if checksum else None
    return (200, {"status": "duplicate", "id": existing.id}) if existing else None


def bulk_upload_check(state: ServerState, body: dict[str, Any], key: ApiKey) -> Reply:
    results = []
    for item in body["assets"]:
        checksum = decode_checksum(item["checksum"])
        existing = state.find_by_checksum(key.user, checksum) if checksum else None
        if existing is None:
            results.append({"id": item["id"], "action": "accept"})
        else:
            results.append(
                {
                    "id": item["id"],
                    "action": "reject",
                    "reason": "duplicate",
                    "assetId": existing.id,
                    "isTrashed": existing.trashed,
                }
            )
    return 200, {"results": results}


def get_asset(state: ServerState, asset_id: str, key: ApiKey) -> Reply:
    found = _owned(state, key, asset_id, "asset.read")
    if not isinstance(found, Asset):
        return found
    return 200, asset_json(state, found)


SIDECAR_FIELDS = frozenset({"description", "dateTimeOriginal", "latitude", "longitude"})


def _zone_from_place(asset: Asset) -> None:
    """A place changed without a date: real Immich 3.1.0 shows the date in the zone of the
    new place (IMG_4547 moved to 41,-86 showed 03:48 Indianapolis where Photos shows 17:18
    at +09:30, issue 30). The double keeps the moment and drops the offset it had."""
    if asset.date_time_original:
        moment = datetime.fromisoformat(asset.date_time_original.replace("Z", "+00:00"))
        asset.date_time_original = moment.astimezone(UTC).isoformat()


def update_asset(state: ServerState, asset_id: str, body: dict[str, Any], key: ApiKey) -> Reply:
    with state.lock:
        found = _owned(state, key, asset_id, "asset.update")
        if not isinstance(found, Asset):
            return found
        if "livePhotoVideoId" in body:
            video_id = body["livePhotoVideoId"]
            if video_id is None:
                previous = state.assets.get(found.live_photo_video_id or "")
                if previous is not None and previous.visibility == "hidden":
                    previous.visibility = found.visibility
            else:
                refusal = _link_live_photo(state, key, video_id)
                if refusal is not None:
                    return refusal
            found.live_photo_video_id = video_id
        for field, attribute in (
            ("isFavorite", "is_favorite"),
            ("visibility", "visibility"),
            ("description", "description"),
            ("dateTimeOriginal", "date_time_original"),
            ("latitude", "latitude"),
            ("longitude", "longitude"),
        ):
            if field in body:
                setattr(found, attribute, body[field])
        if {"latitude", "longitude"} & body.keys() and "dateTimeOriginal" not in body:
            _zone_from_place(found)
        if body.keys() - SIDECAR_FIELDS:
            # the asset's own row changed; a sidecar field is in its EXIF row, and the asset
            # is touched only when the rewrite is read back (asset.repository.ts, update)
            found.updated_at = now_iso()
        if SIDECAR_FIELDS & body.keys():
            state.sidecars.rewrite(found)
        return 200, asset_json(state, found)


def search_metadata(state: ServerState, body: dict[str, Any], key: ApiKey) -> Reply:
    """``POST /search/metadata``: the filters photos-sync uses (checksum, id, type, albums,
    tags, people, updatedAfter)."""
    wanted = decode_checksum(body["checksum"]) if "checksum" in body else None
    with state.lock:
        found = [
            a
            for a in state.assets.values()
            if a.owner.id == key.user.id
            and a.visibility != "locked"
            and (wanted is None or a.checksum == wanted)
            and (("id" in body and a.id == body["id"]) or "id" not in body)
            and ("type" not in body or a.type == body["type"])
            and (body.get("withDeleted") or not a.trashed)
            and all(
                a.id in state.albums[album].assets
                for album in body.get("albumIds", [])
                if album in state.albums
            )
            and all(tag in a.tags for tag in body.get("tagIds") or [])
            and all(
                any(f.asset_id == a.id and f.person_id == person for f in state.faces.values())
                for person in body.get("personIds") or []
            )
            and ("updatedAfter" not in body or _after(a.updated_at, body["updatedAfter"]))
        ]
    size = int(body.get("size", 250))
    page = int(body.get("page", 1))
    items = found[(page - 1) * size : page * size]
    return 200, {
        "assets": {
            "items": [asset_json(state, a) for a in items],
            "count": len(items),
            "total": len(found),
            "nextPage": str(page + 1) if page * size < len(found) else None,
            "facets": [],
        },
        "albums": {"items": [], "count": 0, "total": 0, "facets": []},
    }


def _after(moment: str, bound: str) -> bool:
    return datetime.fromisoformat(moment) > datetime.fromisoformat(bound)


def delete_assets(state: ServerState, body: dict[str, Any], key: ApiKey) -> Reply:
    with state.lock:
        for asset_id in body["ids"]:
            found = _owned(state, key, asset_id, "asset.delete")
            if not isinstance(found, Asset):
                return found
        for asset_id in body["ids"]:
            if body.get("force"):
                state.remove_asset(asset_id)
            else:
                state.assets[asset_id].trashed = True
    return 204, None


def restore_assets(state: ServerState, body: dict[str, Any], key: ApiKey) -> Reply:
    """``POST /trash/restore/assets``: take assets back out of the trash."""
    restored = 0
    with state.lock:
        for asset_id in body["ids"]:
            asset = state.assets.get(asset_id)
            if asset is not None and asset.owner.id == key.user.id and asset.trashed:
                asset.trashed = False
                restored += 1
    return 200, {"count": restored}

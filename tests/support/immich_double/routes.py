"""The double's handlers, one per Immich operation id it implements.

A handler receives the state, the request (path parameters, JSON body or uploaded form)
and the authenticated key (None on public routes) and returns ``(status, body)``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.support.dumps import write_dump
from tests.support.immich_double import assets, organizing
from tests.support.immich_double.state import (
    IMAGE_EXTENSIONS,
    VIDEO_EXTENSIONS,
    ApiKey,
    ServerState,
)
from tests.support.immich_double.uploads import UploadedForm


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    params: dict[str, str] = field(default_factory=dict)
    json: Any = None
    form: UploadedForm | None = None


Reply = tuple[int, Any]
Handler = Callable[[ServerState, Request, ApiKey | None], Reply]


def ping(state: ServerState, request: Request, key: ApiKey | None) -> Reply:
    return 200, {"res": "pong"}


def server_version(state: ServerState, request: Request, key: ApiKey | None) -> Reply:
    major, minor, patch = state.version
    body: dict[str, Any] = {"major": major, "minor": minor, "patch": patch}
    if major >= 3:
        body["prerelease"] = None  # added in v3.0.0
    return 200, body


def server_about(state: ServerState, request: Request, key: ApiKey | None) -> Reply:
    version = "v{}.{}.{}".format(*state.version)
    return 200, {
        "version": version,
        "versionUrl": f"https://github.com/immich-app/immich/releases/tag/{version}",
        "licensed": False,
    }


def server_features(state: ServerState, request: Request, key: ApiKey | None) -> Reply:
    """``GET /server/features`` as the kit's Immich 3.1.0 answers (machine learning off)."""
    return 200, {
        "smartSearch": False,
        "facialRecognition": False,
        "duplicateDetection": False,
        "map": True,
        "reverseGeocoding": True,
        "importFaces": bool(state.system_config["metadata"]["faces"]["import"]),
        "sidecar": True,
        "search": True,
        "trash": True,
        "oauth": False,
        "oauthAutoLaunch": False,
        "ocr": False,
        "passwordLogin": True,
        "configFile": state.config_file,
        "email": False,
        "realtimeTranscoding": False,
    }


def get_config(state: ServerState, request: Request, key: ApiKey | None) -> Reply:
    with state.lock:
        return 200, copy.deepcopy(state.system_config)


def update_config(state: ServerState, request: Request, key: ApiKey | None) -> Reply:
    """``PUT /system-config``: the whole document, refused while a config file is in use."""
    if state.config_file:
        message = "Cannot update configuration while IMMICH_CONFIG_FILE is in use"
        return 400, {"message": message, "error": "Bad Request", "statusCode": 400}
    with state.lock:
        state.system_config = copy.deepcopy(request.json)
        return 200, copy.deepcopy(state.system_config)


def create_job(state: ServerState, request: Request, key: ApiKey | None) -> Reply:
    """``POST /jobs``: ``backup-database`` leaves a dump in the media folder's
    ``backups/`` (when the double has one); the other manual jobs do nothing here."""
    if request.json.get("name") == "backup-database" and state.media_dir is not None:
        write_dump(state.media_dir)
    return 204, None


def _queue(state: ServerState, name: str) -> dict[str, Any]:
    counts = ("active", "completed", "failed", "delayed", "waiting", "paused")
    return {"name": name, "isPaused": state.queues[name], "statistics": dict.fromkeys(counts, 0)}


def all_queues(state: ServerState, request: Request, key: ApiKey | None) -> Reply:
    """``GET /queues`` (admin only): every queue, paused or not; nothing ever waits here."""
    with state.lock:
        return 200, [_queue(state, name) for name in state.queues]


def update_queue(state: ServerState, request: Request, key: ApiKey | None) -> Reply:
    """``PUT /queues/{name}`` (admin only): pause or resume one queue."""
    name = request.params["name"]
    with state.lock:
        if name not in state.queues:
            return 400, {"message": ["name must be one of the queue names"], "statusCode": 400}
        if "isPaused" in request.json:
            state.queues[name] = bool(request.json["isPaused"])
        return 200, _queue(state, name)


def database_dumps(state: ServerState, request: Request, key: ApiKey | None) -> Reply:
    """``GET /admin/database-backups``: the finished dumps of the media folder."""
    folder = state.media_dir / "backups" if state.media_dir else None
    found = sorted(folder.glob("immich-db-backup-*.sql.gz")) if folder and folder.is_dir() else []
    return 200, {
        "backups": [
            {"filename": p.name, "filesize": p.stat().st_size, "timezone": "UTC"} for p in found
        ]
    }


def my_api_key(state: ServerState, request: Request, key: ApiKey | None) -> Reply:
    assert key is not None
    return 200, {
        "id": key.id,
        "name": key.name,
        "permissions": key.permissions,
        "createdAt": key.created_at,
        "updatedAt": key.created_at,
    }


def my_user(state: ServerState, request: Request, key: ApiKey | None) -> Reply:
    """``GET /users/me`` as Immich 3.1.0 answers it (observed exchange 11)."""
    assert key is not None
    user = key.user
    return 200, {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "profileImagePath": "",
        "avatarColor": "gray",
        "profileChangedAt": key.created_at,
        "storageLabel": "admin" if user.is_admin else None,
        "shouldChangePassword": False,
        "isAdmin": user.is_admin,
        "createdAt": key.created_at,
        "deletedAt": None,
        "updatedAt": key.created_at,
        "oauthId": "",
        "quotaSizeInBytes": None,
        "quotaUsageInBytes": 0,
        "status": "active",
        "license": None,
    }


def media_types(state: ServerState, request: Request, key: ApiKey | None) -> Reply:
    return 200, {
        "image": sorted(IMAGE_EXTENSIONS),
        "video": sorted(VIDEO_EXTENSIONS),
        "sidecar": [".xmp"],
    }


def _keyed(handler: Callable[..., Reply], *, param: str | None = None) -> Handler:
    """Adapt an asset handler: pass a path parameter and/or the JSON body, and the key."""

    def handle(state: ServerState, request: Request, key: ApiKey | None) -> Reply:
        assert key is not None
        args: list[Any] = [state]
        if param is not None:
            args.append(request.params[param])
        if request.form is not None:
            args.append(request.form)
        elif request.json is not None:
            args.append(request.json)
        return handler(*args, key)

    return handle


def _query(handler: Callable[..., Reply]) -> Handler:
    """Adapt a handler that reads the query string."""

    def handle(state: ServerState, request: Request, key: ApiKey | None) -> Reply:
        assert key is not None
        return handler(state, request.query, key)

    return handle


HANDLERS: dict[str, Handler] = {
    "pingServer": ping,
    "getServerVersion": server_version,
    "getServerFeatures": server_features,
    "getConfig": get_config,
    "createJob": create_job,
    "getQueues": all_queues,
    "updateQueue": update_queue,
    "listDatabaseBackups": database_dumps,
    "updateConfig": update_config,
    "getAboutInfo": server_about,
    "getMyApiKey": my_api_key,
    "getMyUser": my_user,
    "getSupportedMediaTypes": media_types,
    "uploadAsset": _keyed(assets.upload),
    "checkBulkUpload": _keyed(assets.bulk_upload_check),
    "getAssetInfo": _keyed(assets.get_asset, param="id"),
    "updateAsset": _keyed(assets.update_asset, param="id"),
    "searchAssets": _keyed(assets.search_metadata),
    "deleteAssets": _keyed(assets.delete_assets),
    "restoreAssets": _keyed(assets.restore_assets),
    "updateAssets": _keyed(organizing.update_assets),
    "createAlbum": _keyed(organizing.create_album),
    "getAllAlbums": _keyed(organizing.all_albums),
    "updateAlbumInfo": _keyed(organizing.update_album, param="id"),
    "deleteAlbum": _keyed(organizing.delete_album, param="id"),
    "addAssetsToAlbum": _keyed(organizing.add_to_album, param="id"),
    "removeAssetFromAlbum": _keyed(organizing.remove_from_album, param="id"),
    "getAllTags": _keyed(organizing.all_tags),
    "upsertTags": _keyed(organizing.upsert_tags),
    "bulkTagAssets": _keyed(organizing.tag_assets),
    "untagAssets": _keyed(organizing.untag_assets, param="id"),
    "createStack": _keyed(organizing.create_stack),
    "searchStacks": _keyed(organizing.search_stacks),
    "createPerson": _keyed(organizing.create_person),
    "getAllPeople": _keyed(organizing.all_people),
    "updatePerson": _keyed(organizing.update_person, param="id"),
    "createFace": _keyed(organizing.create_face),
    "getFaces": _query(organizing.faces_of),
    "deleteFace": _keyed(organizing.delete_face, param="id"),
}

"""Albums, tags and stacks in the double, shaped as Immich 3.1.0 answers them."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from tests.support.immich_double.state import (
    Album,
    ApiKey,
    Asset,
    Face,
    Person,
    ServerState,
    Stack,
    Tag,
    now_iso,
)

Reply = tuple[int, Any]


def _user(state: ServerState) -> dict[str, Any]:
    owner = state.owner
    return {
        "id": owner.id,
        "email": owner.email,
        "name": owner.name,
        "profileImagePath": "",
        "avatarColor": "gray",
        "profileChangedAt": now_iso(),
    }


def album_json(state: ServerState, album: Album) -> dict[str, Any]:
    return {
        "id": album.id,
        "albumName": album.name,
        "description": album.description,
        "albumThumbnailAssetId": album.assets[0] if album.assets else None,
        "albumUsers": [{"user": _user(state), "role": "owner"}],
        "assetCount": len(album.assets),
        "shared": False,
        "hasSharedLink": False,
        "isActivityEnabled": True,
        "createdAt": album.created_at,
        "updatedAt": album.updated_at,
    }


def _owned_assets(state: ServerState, key: ApiKey, ids: list[str]) -> list[Asset]:
    return [
        state.assets[i]
        for i in ids
        if i in state.assets and state.assets[i].owner.id == key.user.id
    ]


def create_album(state: ServerState, body: dict[str, Any], key: ApiKey) -> Reply:
    with state.lock:
        album = Album(
            id=str(uuid.uuid4()),
            owner=key.user,
            name=body["albumName"],
            description=body.get("description") or "",
        )
        for asset in _owned_assets(state, key, body.get("assetIds", [])):  # others dropped
            if asset.id not in album.assets:
                album.assets.append(asset.id)
        state.albums[album.id] = album
        return 201, album_json(state, album)


def all_albums(state: ServerState, key: ApiKey) -> Reply:
    with state.lock:
        return 200, [album_json(state, a) for a in state.albums.values()]


def _album(state: ServerState, album_id: str, permission: str) -> Album | Reply:
    album = state.albums.get(album_id)
    if album is None:
        return 400, {"message": f"Not found or no {permission} access"}
    return album


def update_album(state: ServerState, album_id: str, body: dict[str, Any], key: ApiKey) -> Reply:
    with state.lock:
        album = _album(state, album_id, "album.update")
        if not isinstance(album, Album):
            return album
        if "albumName" in body:
            album.name = body["albumName"]
        if "description" in body:
            album.description = body["description"]
        album.updated_at = now_iso()
        return 200, album_json(state, album)


def delete_album(state: ServerState, album_id: str, key: ApiKey) -> Reply:
    """``DELETE /albums/{id}``: the album goes, its assets stay."""
    with state.lock:
        album = _album(state, album_id, "album.delete")
        if not isinstance(album, Album):
            return album
        del state.albums[album.id]
        return 204, None


def _change_members(
    state: ServerState,
    album_id: str,
    permission: str,
    ids: list[str],
    change: Callable[[Album, str], str | None],
) -> Reply:
    """Apply ``change`` to each id (it returns an error reason, or None when done); Immich's
    per-id results."""
    with state.lock:
        album = _album(state, album_id, permission)
        if not isinstance(album, Album):
            return album
        results: list[dict[str, Any]] = []
        for asset_id in ids:
            error = change(album, asset_id)
            result = {"id": asset_id, "success": error is None}
            results.append(result if error is None else {**result, "error": error})
        return 200, results


def add_to_album(state: ServerState, album_id: str, body: dict[str, Any], key: ApiKey) -> Reply:
    def add(album: Album, asset_id: str) -> str | None:
        if asset_id in album.assets:
            return "duplicate"
        if not _owned_assets(state, key, [asset_id]):
            return "no_permission"
        album.assets.append(asset_id)
        return None

    return _change_members(state, album_id, "albumAsset.create", body["ids"], add)


def remove_from_album(
    state: ServerState, album_id: str, body: dict[str, Any], key: ApiKey
) -> Reply:
    def remove(album: Album, asset_id: str) -> str | None:
        if asset_id not in album.assets:
            return "not_found"
        album.assets.remove(asset_id)
        return None

    return _change_members(state, album_id, "albumAsset.delete", body["ids"], remove)


def _tag_json(tag: Tag) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": tag.id,
        "name": tag.name,
        "value": tag.value,
        "createdAt": tag.created_at,
        "updatedAt": tag.created_at,
    }
    if tag.parent_id:
        body["parentId"] = tag.parent_id
    return body


def all_tags(state: ServerState, key: ApiKey) -> Reply:
    """``GET /tags``: every tag, parents included."""
    with state.lock:
        return 200, [_tag_json(tag) for tag in state.tags.values()]


def upsert_tags(state: ServerState, body: dict[str, Any], key: ApiKey) -> Reply:
    """``PUT /tags``: each path split on "/", missing parents created; the leaves returned."""
    leaves = []
    with state.lock:
        by_value = {tag.value: tag for tag in state.tags.values()}
        for path in body["tags"]:
            parent: Tag | None = None
            parts = [p for p in path.split("/") if p]
            for depth in range(1, len(parts) + 1):
                value = "/".join(parts[:depth])
                tag = by_value.get(value)
                if tag is None:
                    tag = Tag(
                        str(uuid.uuid4()), value, parts[depth - 1], parent.id if parent else None
                    )
                    state.tags[tag.id] = by_value[value] = tag
                parent = tag
            assert parent is not None
            leaves.append(_tag_json(parent))
    return 200, leaves


def tag_assets(state: ServerState, body: dict[str, Any], key: ApiKey) -> Reply:
    count = 0
    with state.lock:
        for asset in _owned_assets(state, key, body["assetIds"]):
            added = [t for t in body["tagIds"] if t in state.tags and t not in asset.tags]
            asset.tags.update(added)
            count += len(added)
            if added:  # once per asset and request, as Immich, and only if it got a new tag
                state.sidecars.rewrite(asset)
    return 200, {"count": count}


def untag_assets(state: ServerState, tag_id: str, body: dict[str, Any], key: ApiKey) -> Reply:
    results = []
    with state.lock:
        if tag_id not in state.tags:
            return 400, {"message": "Tag not found"}
        owned = {asset.id: asset for asset in _owned_assets(state, key, body["ids"])}
        for asset_id in body["ids"]:
            asset = owned.get(asset_id)
            if asset is not None and tag_id in asset.tags:
                asset.tags.discard(tag_id)
                state.sidecars.rewrite(asset)
                results.append({"id": asset_id, "success": True})
            else:
                results.append({"id": asset_id, "success": False, "error": "not_found"})
    return 200, results


def create_stack(state: ServerState, body: dict[str, Any], key: ApiKey) -> Reply:
    """``POST /stacks``: the first id is the cover; a stack whose cover is listed merges in."""
    from tests.support.immich_double.assets import asset_json

    with state.lock:
        ids = list(dict.fromkeys(body["assetIds"]))
        members = _owned_assets(state, key, ids)
        if len(members) < 2 or len(members) != len(ids):
            return 400, {"message": "Not found or no stack.create access"}
        for stack in list(state.stacks.values()):
            if stack.primary in ids:
                ids += [a for a in stack.assets if a not in ids]
                del state.stacks[stack.id]
        stack = Stack(str(uuid.uuid4()), ids[0], ids)
        state.stacks[stack.id] = stack
        for asset_id in ids:
            state.assets[asset_id].stack_id = stack.id
        return 201, {
            "id": stack.id,
            "primaryAssetId": stack.primary,
            "assets": [asset_json(state, state.assets[i]) for i in ids],
        }


def search_stacks(state: ServerState, key: ApiKey) -> Reply:
    """``GET /stacks``: the key's user's stacks, each with its assets (the cover included)."""
    from tests.support.immich_double.assets import asset_json

    with state.lock:
        return 200, [
            {
                "id": stack.id,
                "primaryAssetId": stack.primary,
                "assets": [asset_json(state, state.assets[i]) for i in stack.assets],
            }
            for stack in state.stacks.values()
            if _owned_assets(state, key, [stack.primary])
        ]


def update_assets(state: ServerState, body: dict[str, Any], key: ApiKey) -> Reply:
    """``PUT /assets``: one change to many assets; 204."""
    with state.lock:
        for asset in _owned_assets(state, key, body["ids"]):
            if "isFavorite" in body:
                asset.is_favorite = body["isFavorite"]
            if "visibility" in body:
                asset.visibility = body["visibility"]
            if "description" in body:
                asset.description = body["description"]
            asset.updated_at = now_iso()
            # Immich 3.1.0 queues a sidecar rewrite for every asset of a bulk update, a
            # favorite alone included (asset.service.ts, updateAll)
            state.sidecars.rewrite(asset)
    return 204, None


def person_json(person: Person) -> dict[str, Any]:
    return {
        "id": person.id,
        "name": person.name,
        "birthDate": None,
        # Immich makes the picture from the person's feature face, once it has one
        "thumbnailPath": f"/thumbs/{person.id}.jpeg" if person.face_id else "",
        "isHidden": False,
        "isFavorite": False,
        "updatedAt": person.updated_at,
    }


def create_person(state: ServerState, body: dict[str, Any], key: ApiKey) -> Reply:
    with state.lock:
        person = Person(str(uuid.uuid4()), key.user, body.get("name") or "")
        state.people[person.id] = person
        return 201, person_json(person)


def all_people(state: ServerState, key: ApiKey) -> Reply:
    """``GET /people``: the user's people with a face on an asset not in the trash (Immich
    joins the faces: a person without one is not listed)."""
    with state.lock:
        faced = {
            face.person_id
            for face in state.faces.values()
            if face.asset_id in state.assets and not state.assets[face.asset_id].trashed
        }
        mine = [p for p in state.people.values() if p.owner.id == key.user.id and p.id in faced]
        return 200, {"people": [person_json(p) for p in mine], "total": len(mine), "hidden": 0}


def update_person(state: ServerState, person_id: str, body: dict[str, Any], key: ApiKey) -> Reply:
    with state.lock:
        person = state.people.get(person_id)
        if person is None or person.owner.id != key.user.id:
            return 400, {"message": "Not found or no person.update access"}
        if "featureFaceAssetId" in body:
            face = next(
                (
                    f
                    for f in state.faces.values()
                    if f.person_id == person.id and f.asset_id == body["featureFaceAssetId"]
                ),
                None,
            )
            if face is None:
                return 400, {"message": "Invalid assetId for feature face or asset is offline"}
            person.face_id = face.id
        if "name" in body:
            person.name = body["name"]
            person.updated_at = now_iso()
        return 200, person_json(person)


def create_face(state: ServerState, body: dict[str, Any], key: ApiKey) -> Reply:
    """``POST /faces``: Immich checks the asset and the person, stores the box; 201, no body."""
    with state.lock:
        asset = state.assets.get(body["assetId"])
        person = state.people.get(body["personId"])
        if asset is None or asset.owner.id != key.user.id:
            return 400, {"message": "Not found or no asset.update access"}
        if person is None or person.owner.id != key.user.id:
            return 400, {"message": "Not found or no person.read access"}
        x, y = body["x"], body["y"]
        face = Face(
            str(uuid.uuid4()),
            asset.id,
            person.id,
            body["imageWidth"],
            body["imageHeight"],
            (x, y, x + body["width"], y + body["height"]),
        )
        state.faces[face.id] = face
        person.face_id = person.face_id or face.id  # Immich picks one for a person without
        return 201, None


def faces_of(state: ServerState, request_query: str, key: ApiKey) -> Reply:
    asset_id = dict(p.split("=", 1) for p in request_query.split("&") if "=" in p).get("id", "")
    with state.lock:
        found = [f for f in state.faces.values() if f.asset_id == asset_id]
        return 200, [
            {
                "id": f.id,
                "imageWidth": f.image_width,
                "imageHeight": f.image_height,
                "boundingBoxX1": f.box[0],
                "boundingBoxY1": f.box[1],
                "boundingBoxX2": f.box[2],
                "boundingBoxY2": f.box[3],
                "person": person_json(state.people[f.person_id]),
                "sourceType": f.source,
            }
            for f in found
        ]


def delete_face(state: ServerState, face_id: str, body: dict[str, Any], key: ApiKey) -> Reply:
    with state.lock:
        if state.faces.pop(face_id, None) is None:
            return 400, {"message": "Not found or no face.delete access"}
        return 204, None

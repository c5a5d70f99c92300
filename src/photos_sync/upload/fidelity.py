"""Sending a :class:`~photos_sync.plan.fidelity.FidelityPlan` to Immich and recording what
was sent, step by step, so an interruption repeats at most the step in flight."""

from __future__ import annotations

import sqlite3

from photos_sync.immich.client import ImmichClient
from photos_sync.plan.fidelity import FidelityPlan
from photos_sync.track.fidelity import (
    forget_members,
    record_album,
    record_applied,
    record_members,
    record_stack,
    record_tags,
    tag_ids,
)


def apply_fidelity(
    client: ImmichClient, connection: sqlite3.Connection, plan: FidelityPlan
) -> None:
    for favorite, refs in plan.favorites.items():
        if refs:
            client.update_assets([immich_id for _, immich_id in refs], isFavorite=favorite)
    for _, immich_id, fields in plan.updates:
        client.update_asset(immich_id, **fields)
    known = tag_ids(connection) if plan.tags or plan.untags else {}
    missing = [name for name in plan.tags if name not in known]
    if missing:
        created = client.upsert_tags(missing)
        record_tags(connection, created)
        known.update(created)
    for name, refs in sorted(plan.tags.items()):
        client.tag_assets(known[name], [immich_id for _, immich_id in refs])
    for name, refs in sorted(plan.untags.items()):
        if name in known:  # a tag photos-sync never made has nothing of ours to take off
            client.untag_assets(known[name], [immich_id for _, immich_id in refs])
    for album in plan.albums:
        ids = [immich_id for _, immich_id in album.add]
        if album.immich_id is None:
            album_id = client.create_album(album.name, ids)
        else:
            album_id = album.immich_id
            if album.rename:
                client.rename_album(album_id, album.name)
            if ids:
                client.add_to_album(album_id, ids)
            if album.remove:
                client.remove_from_album(album_id, [immich_id for _, immich_id in album.remove])
        record_album(connection, album.uuid, album_id, album.name, album.folders)
        record_members(connection, [(album.uuid, uuid) for uuid, _ in album.add])
        forget_members(connection, [(album.uuid, uuid) for uuid, _ in album.remove])
    for stack in plan.stacks:
        stack_id = client.create_stack([immich_id for _, immich_id in stack.members])
        record_stack(connection, stack.key, stack_id, [uuid for uuid, _ in stack.members])
    if plan.applied:
        record_applied(connection, plan.applied)

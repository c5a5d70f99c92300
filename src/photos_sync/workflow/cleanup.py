"""``cleanup``: account for assets deleted from Photos. By default they are archived in the
tracker and left alone in Immich; with ``--deletions archive`` or ``trash`` (remembered),
what photos-sync itself uploaded follows into Immich's archive or trash (never a permanent
delete; an asset the user put in an album of their own is only archived), and comes back
when it is restored in Photos. Refuses when most of the library seems gone, and more than
:data:`AT_ONCE` moves in Immich without ``yes``."""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import replace

from photos_sync.bulk import bulk_work
from photos_sync.errors import PhotosSyncError
from photos_sync.immich.client import ImmichClient
from photos_sync.plan.cleanup import CleanupPlan, gone_from_library, plan_cleanup
from photos_sync.plan.metadata import marked_albums
from photos_sync.source.library import PhotosLibrary
from photos_sync.track.assets import (
    archive_assets,
    back_from_deletion,
    companion_ids,
    forget_assets,
    live_uuids,
    record_removed,
    removable_in_immich,
    tracked_assets,
)
from photos_sync.track.runs import recorded_run
from photos_sync.workflow.scan import bind_library
from photos_sync.workflow.workspace import Workspace

log = logging.getLogger(__name__)

DELETIONS = ("keep", "archive", "trash")
AT_ONCE = 100  # more moves in Immich than this in one run need --yes


def cleanup_library(
    library: PhotosLibrary,
    connection: sqlite3.Connection,
    *,
    dry_run: bool,
    force: bool,
    deletions: str = "keep",
    client: ImmichClient | None = None,
    yes: bool = False,
) -> CleanupPlan:
    """Mark gone-and-imported assets archived, forget gone-and-never-imported ones; with a
    deletion mode and a client, follow into Immich (and bring back what returned)."""
    following = deletions != "keep" and client is not None
    with bulk_work():
        live = live_uuids(connection)  # the whole records only of what is gone: 100k a night
        entries = library.entries()
        gone = gone_from_library(entries, live, trash_is_deleted=following)
        left = set(gone_from_library(entries, gone)) if following else None
        plan = plan_cleanup(tracked_assets(connection, gone).values(), len(live), left)
    if plan.suspicious and not force:
        count = len(plan.archive) + len(plan.forget)
        raise PhotosSyncError(
            f"Refusing to clean up: {count:,} of {plan.tracked:,} tracked assets are not in "
            f"{library.path}",
            "Check that this is the right, fully copied library; --force if it really is",
        )
    targets = removable_in_immich(connection, [a.uuid for a in plan.archive]) if following else {}
    if len(targets) > AT_ONCE and not yes and not dry_run:
        raise PhotosSyncError(
            f"{len(targets):,} assets deleted in Photos would move to Immich's {deletions}; "
            f"more than {AT_ONCE} at once is only done when asked",
            "Check the library, then run `photos-sync cleanup --yes`",
        )
    if dry_run:
        return replace(plan, in_immich={f"would_{deletions}": len(targets)} if targets else {})
    archive_assets(connection, [a.uuid for a in plan.archive])
    forget_assets(connection, [a.uuid for a in plan.forget])
    for asset in plan.archive:
        log.info("archived %s (%s): deleted from Photos", asset.uuid, asset.filename)
    moved: dict[str, int] = {}
    if following and client is not None:
        moved = _follow(client, connection, targets, deletions)
        moved.update(_bring_back(client, connection))
    return replace(plan, in_immich=moved)


def _in_albums_of_the_user(client: ImmichClient) -> set[str]:
    """Assets in an album the user made (not one photos-sync made for a Photos album)."""
    albums = client.albums()
    ours = {album.id for found in marked_albums(albums).values() for album in found}
    return {
        asset_id
        for album in albums
        if album.id not in ours
        for asset_id in client.album_asset_ids(album.id)
    }


def _follow(
    client: ImmichClient, connection: sqlite3.Connection, targets: dict[str, str], mode: str
) -> dict[str, int]:
    """Archive or trash in Immich what photos-sync uploaded and Photos deleted."""
    if not targets:
        return {}
    kept = _in_albums_of_the_user(client) if mode == "trash" else set()
    trash = {u: i for u, i in targets.items() if mode == "trash" and i not in kept}
    archive = {u: i for u, i in targets.items() if u not in trash}
    companions = companion_ids(connection, targets)  # the edit and RAW follow the original
    if archive:
        client.update_assets(_with(archive, companions), visibility="archive")
    if trash:
        client.delete_assets(_with(trash, companions))
    for uuid in archive:
        log.info("archived in Immich %s: deleted in Photos", uuid)
    for uuid in trash:
        log.info("moved to Immich's trash %s: deleted in Photos", uuid)
    done: dict[str, str | None] = {**dict.fromkeys(archive, "archive")}
    done.update(dict.fromkeys(trash, "trash"))
    record_removed(connection, done)
    counts = {"archived": len(archive), "trashed": len(trash)}
    return {what: n for what, n in counts.items() if n}


def _with(originals: dict[str, str], companions: dict[str, list[str]]) -> list[str]:
    """The Immich ids of these originals and of their companions."""
    return sorted({*originals.values(), *(i for u in originals for i in companions.get(u, ()))})


def _bring_back(client: ImmichClient, connection: sqlite3.Connection) -> dict[str, int]:
    """What Photos has again (restored from Recently Deleted) comes back out of Immich's
    archive or trash."""
    back = back_from_deletion(connection)
    if not back:
        return {}
    companions = companion_ids(connection, back)
    untrash = {uuid: immich_id for uuid, (immich_id, how) in back.items() if how == "trash"}
    if untrash:
        client.restore_from_trash(_with(untrash, companions))
    every = {uuid: immich_id for uuid, (immich_id, _) in back.items()}
    client.update_assets(_with(every, companions), visibility="timeline")
    record_removed(connection, dict.fromkeys(back))
    log.info("back in Photos, restored in Immich: %s", ", ".join(sorted(back)))
    return {"restored": len(back)}


def cleanup(
    work: Workspace, *, dry_run: bool, force: bool, deletions: str | None, yes: bool
) -> CleanupPlan:
    """The ``cleanup`` command's work, recorded as a run (not a dry run)."""
    from photos_sync.workflow.importing import settle_choices

    library = work.open_library()
    with (
        work.tracker("cleanup") as connection,
        recorded_run(connection, "cleanup", enabled=not dry_run) as run,
    ):
        bind_library(library, connection, dry_run=dry_run)  # sync's scan has done it
        choices, _ = settle_choices(connection, {"deletions": deletions}, dry_run)
        mode = choices.deletions
        client = work.immich_client() if mode != "keep" else None
        try:
            plan = cleanup_library(
                library,
                connection,
                dry_run=dry_run,
                force=force,
                deletions=mode,
                client=client,
                yes=yes,
            )
        finally:
            if client is not None:
                client.close()
        run.finish(
            "ok",
            {"archived": len(plan.archive), "forgotten": len(plan.forget), **plan.in_immich},
        )
    return plan

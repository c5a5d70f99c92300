"""The problem assets ``review`` shows and exports: failed and skipped, grouped by reason."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from photos_sync.errors import PhotosSyncError
from photos_sync.plan.problems import is_problem
from photos_sync.source import bridge as bridges
from photos_sync.source.bridge import NEEDS_MACOS
from photos_sync.track.assets import AssetStatus, TrackedAsset, tracked_assets
from photos_sync.track.database import reading
from photos_sync.workflow.workspace import Workspace

EXPORT_VERSION = 1


@dataclass(frozen=True)
class Group:
    status: AssetStatus
    reason: str
    assets: list[TrackedAsset]


def problems(
    tracked: Iterable[TrackedAsset], *, failed_only: bool = False, skipped_only: bool = False
) -> list[TrackedAsset]:
    found = [a for a in tracked if is_problem(a)]
    if failed_only:
        found = [a for a in found if a.status is AssetStatus.FAILED]
    if skipped_only:
        found = [a for a in found if a.status is AssetStatus.SKIPPED]
    return sorted(found, key=lambda a: (a.asset_created_at or "", a.uuid))


def group(assets: Iterable[TrackedAsset]) -> list[Group]:
    """By (status, reason), the largest groups first."""
    groups: dict[tuple[AssetStatus, str], list[TrackedAsset]] = {}
    for asset in assets:
        groups.setdefault((asset.status, asset.error_reason or "no reason recorded"), []).append(
            asset
        )
    return sorted(
        (Group(status, reason, members) for (status, reason), members in groups.items()),
        key=lambda g: (-len(g.assets), g.status, g.reason),
    )


def export_document(assets: Iterable[TrackedAsset], library: str) -> dict[str, Any]:
    """The ``review --export`` JSON (documented in docs/import.md)."""
    return {
        "version": EXPORT_VERSION,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "library": library,
        "problems": [
            {
                "uuid": a.uuid,
                "filename": a.filename,
                "status": a.status.value,
                "reason": a.error_reason,
                "media_type": a.media_type,
                "created_at": a.asset_created_at,
            }
            for a in assets
        ],
    }


def problem_assets(work: Workspace, *, failed_only: bool, skipped_only: bool) -> list[TrackedAsset]:
    """The failed and skipped assets the tracker holds (read-only: may run beside a run)."""
    with reading(work.settings.tracker_path) as connection:
        tracked = [] if connection is None else list(tracked_assets(connection).values())
    return problems(tracked, failed_only=failed_only, skipped_only=skipped_only)


def delete_in_photos(
    chosen: list[TrackedAsset], confirm: Callable[[list[TrackedAsset]], bool]
) -> int | None:
    """Move assets to Photos' Recently Deleted once ``confirm`` agrees (Photos asks the user
    too); how many moved, or None when not confirmed. Needs macOS Photos."""
    bridge = bridges.photos_bridge()
    if bridge is None:
        raise PhotosSyncError(f"review --delete {NEEDS_MACOS[0]}", NEEDS_MACOS[1])
    if not confirm(chosen):
        return None
    return bridge.delete([asset.uuid for asset in chosen])

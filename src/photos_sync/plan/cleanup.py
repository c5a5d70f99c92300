"""What ``cleanup`` does with assets the tracker knows but Photos no longer has. Pure logic.

Imported ones are marked archived (they stay in Immich: deleting there is the user's call);
ones never imported are forgotten. A library that suddenly lists far fewer assets than the
tracker knows is more likely the wrong library (or a half-copied one) than a mass deletion,
so such a cleanup is refused unless forced.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from itertools import filterfalse

from photos_sync.plan.scan import uuid_of
from photos_sync.source.catalog import CatalogEntry
from photos_sync.track.assets import AssetStatus, TrackedAsset

SUSPICIOUS_SHARE = 0.5  # refuse when more than half of what is tracked vanished...
SUSPICIOUS_COUNT = 100  # ...and that is more than a handful


@dataclass(frozen=True)
class CleanupPlan:
    archive: list[TrackedAsset]
    forget: list[TrackedAsset]
    tracked: int
    in_immich: dict[str, int] = field(default_factory=dict)  # archived/trashed/restored there

    @property
    def suspicious(self) -> bool:
        gone = len(self.archive) + len(self.forget)
        return gone >= SUSPICIOUS_COUNT and gone > self.tracked * SUSPICIOUS_SHARE

    def to_json(self) -> dict[str, object]:
        def listing(assets: list[TrackedAsset]) -> list[dict[str, object]]:
            return [
                {"uuid": a.uuid, "filename": a.filename, "created_at": a.asset_created_at}
                for a in assets
            ]

        return {
            "archived": listing(self.archive),
            "forgotten": listing(self.forget),
            "in_immich": self.in_immich,
        }


def gone_from_library(
    entries: Iterable[CatalogEntry], tracked: Iterable[str], trash_is_deleted: bool = False
) -> list[str]:
    """Which of the tracked (not archived) assets Photos no longer has. With
    ``trash_is_deleted`` (deletions follow into Immich), an asset in Photos' Recently
    Deleted counts as gone; otherwise only what left the library does."""
    if trash_is_deleted:
        in_library = {e.uuid for e in entries if not e.in_trash}
    else:
        in_library = set(map(uuid_of, entries))  # in C: 100k a night
    return list(filterfalse(in_library.__contains__, tracked))


def plan_cleanup(
    gone: Iterable[TrackedAsset], tracked: int, left: Collection[str] | None = None
) -> CleanupPlan:
    """``gone``: the tracked assets, not archived, that Photos no longer has
    (:func:`gone_from_library`), of ``tracked`` not archived in all. ``left``: those of
    them that left the library, not just for its Recently Deleted (None: all of them). One
    never imported is forgotten only once it left: one in Recently Deleted would be found
    again by the next scan, and forgotten again, every night."""
    ordered = sorted(gone, key=lambda a: (a.asset_created_at or "", a.uuid))
    return CleanupPlan(
        archive=[a for a in ordered if a.status is AssetStatus.IMPORTED],
        forget=[
            a
            for a in ordered
            if a.status is not AssetStatus.IMPORTED and (left is None or a.uuid in left)
        ],
        tracked=tracked,
    )

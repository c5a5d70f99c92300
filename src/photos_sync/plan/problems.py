"""Which tracked assets are problems: what ``review``, ``status`` and ``report`` list."""

from __future__ import annotations

from photos_sync.track.assets import AssetStatus, TrackedAsset


def is_problem(asset: TrackedAsset) -> bool:
    """Failed, skipped, or imported without a part (its motion video or RAW half was not on
    disk: the tracker keeps why), and still in the library."""
    incomplete = asset.status is AssetStatus.IMPORTED and bool(asset.error_reason)
    failed_or_skipped = asset.status in (AssetStatus.FAILED, AssetStatus.SKIPPED)
    return (failed_or_skipped or incomplete) and not asset.archived and not asset.in_trash

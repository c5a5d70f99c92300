"""What a scan must read, and what it found that differs from the tracker. Pure logic."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import compress, repeat
from operator import and_, attrgetter, eq, not_

from photos_sync.source.catalog import CatalogEntry
from photos_sync.source.records import SUBTYPE_LABELS, LibraryAsset
from photos_sync.track.assets import Scanned, ScanStates, TrackedAsset


@dataclass(frozen=True)
class ScanPlan:
    """Which catalog entries need a full read, and what the tracker has that Photos lost."""

    to_read: list[CatalogEntry]
    unchanged: int
    gone: list[str] = field(default_factory=list)  # tracked, no longer in the library


# Seconds: Photos' modification times closer than this are the same. The tracker keeps
# Photos' own number, so they are equal; one carried over from the ISO text kept before
# (to the microsecond) is within half of this.
SAME_MOMENT = 1e-6


def moved(known: float | None, now: float | None) -> bool:
    """Whether Photos' modification time of an asset moved since the tracker took it."""
    if known is None or now is None:
        return known is not now
    return abs(known - now) >= SAME_MOMENT


def plan_scan(
    entries: Sequence[CatalogEntry],
    tracked: ScanStates,
    full: bool = False,
    recheck: frozenset[str] = frozenset(),
) -> ScanPlan:
    """Read only assets that are new or whose Photos modification time moved (all if full),
    and those in ``recheck`` (a missing original whose file is there again)."""
    uuids = list(map(uuid_of, entries))
    maybe = entries if full else _maybe_changed(entries, uuids, tracked.usual, recheck)
    to_read = [entry for entry in maybe if _read_again(entry, tracked, full, recheck)]
    seen = set(uuids)
    gone = [*(tracked.usual.keys() - seen)]
    gone += (
        uuid for uuid, asset in tracked.others.items() if uuid not in seen and not asset.archived
    )
    return ScanPlan(to_read=to_read, unchanged=len(entries) - len(to_read), gone=sorted(gone))


uuid_of = attrgetter("uuid")
_modified_of = attrgetter("modified")
_in_trash_of = attrgetter("in_trash")
_UNKNOWN = object()  # equal to no time: an asset not among the usual ones


def _maybe_changed(
    entries: Sequence[CatalogEntry],
    uuids: list[str],
    usual: Mapping[str, float | None],
    recheck: frozenset[str],
) -> Iterable[CatalogEntry]:
    """All entries but the usual assets (see ``ScanStates``) whose Photos time is the one
    recorded and that are out of the trash and not to be checked again: nothing of those
    to read, and they are nearly every asset on a night. Told apart by ``map`` over
    C functions: a Python step per asset was a tenth of a night with nothing new."""
    same_time = map(eq, map(usual.get, uuids, repeat(_UNKNOWN)), map(_modified_of, entries))
    quiet = map(and_, same_time, map(not_, map(_in_trash_of, entries)))
    if recheck:
        quiet = map(and_, quiet, map(not_, map(recheck.__contains__, uuids)))
    return compress(entries, map(not_, quiet))


def _read_again(
    entry: CatalogEntry, tracked: ScanStates, full: bool, recheck: frozenset[str]
) -> bool:
    if full or entry.uuid in recheck:
        return True
    if entry.uuid in tracked.usual:  # only its time and the trash can differ
        return entry.in_trash or moved(tracked.usual[entry.uuid], entry.modified)
    known = tracked.others.get(entry.uuid)
    return (
        known is None
        or known.scanned_at is None
        or moved(known.photos_modified, entry.modified)
        or known.in_trash != entry.in_trash
    )


@dataclass(frozen=True)
class AssetChange:
    """One asset a scan found new or different, with each difference in words."""

    uuid: str
    filename: str
    new: bool
    differences: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "uuid": self.uuid,
            "filename": self.filename,
            "new": self.new,
            "differences": list(self.differences),
        }


def describe_differences(before: TrackedAsset, after: LibraryAsset) -> tuple[str, ...]:
    """``+Live Photo``, ``-Edited``, ``original: local -> cloud``, ``moved to trash``."""
    found: list[str] = []
    was, now = before.subtypes.as_dict(), after.subtypes.as_dict()
    for name, label in SUBTYPE_LABELS.items():
        if was[name] != now[name]:
            found.append(f"{'+' if now[name] else '-'}{label}")
    availability = after.original.availability.value
    if before.original_availability != availability:
        found.append(f"original: {before.original_availability or 'unknown'} -> {availability}")
    if before.in_trash != after.in_trash:
        found.append("moved to trash" if after.in_trash else "restored from trash")
    return tuple(found)


def compare_scan(
    scanned: Iterable[LibraryAsset], tracked: Mapping[str, TrackedAsset]
) -> list[AssetChange]:
    """The scanned assets that are new to the tracker or differ from what it holds."""
    changes = []
    for asset in scanned:
        known = tracked.get(asset.uuid)
        if known is None:
            labels = tuple(SUBTYPE_LABELS[name] for name in sorted(asset.subtypes.set_names()))
            changes.append(AssetChange(asset.uuid, asset.filename, True, labels))
            continue
        differences = describe_differences(known, asset)
        if differences:
            changes.append(AssetChange(asset.uuid, asset.filename, False, differences))
    return changes


def awaiting_files(tracked: Mapping[str, Scanned]) -> set[str]:
    """Assets not imported because their original was missing: each run looks again."""
    return {
        uuid
        for uuid, asset in tracked.items()
        if asset.original_availability == "missing" and asset.status != "imported"
    }

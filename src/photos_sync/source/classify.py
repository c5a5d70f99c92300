"""What kind of asset is this, and where are its parts: pure rules, no I/O but ``isfile``.

The input is what osxphotos reports of an asset (:class:`PhotoFacts`, which a
``PhotoInfo`` satisfies) plus the cheap catalog's row for it; the output is our
:class:`Subtypes` and :class:`Resource` list. Kept apart from the reading so the rules can be
tested on their own and read in one place.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from photos_sync.source.catalog import (
    RESOURCE_ADJUSTMENT,
    RESOURCE_ALTERNATE,
    RESOURCE_PAIRED_VIDEO,
    CatalogEntry,
)
from photos_sync.source.records import Availability, MediaType, Resource, ResourceKind, Subtypes

PRORAW_UTI = "com.adobe.raw-image"  # the seed's rule for ProRAW: a DNG original


class PhotoFacts(Protocol):
    """The osxphotos ``PhotoInfo`` attributes the rules read."""

    ismovie: bool
    live_photo: bool
    portrait: bool
    hdr: bool
    panorama: bool
    screenshot: bool
    selfie: bool
    slow_mo: bool
    time_lapse: bool
    spatial: int
    burst: bool
    has_raw: bool
    uti: str | None
    uti_raw: str | None
    hasadjustments: bool
    hidden: bool
    favorite: bool
    shared_library: bool
    syndicated: bool | None
    saved_to_library: bool | None
    ismissing: bool
    iscloudasset: bool
    isreference: bool
    path: str | None
    path_live_photo: str | None
    path_edited: str | None
    path_edited_live_photo: str | None
    path_raw: str | None


def classify(facts: PhotoFacts, entry: CatalogEntry) -> Subtypes:
    """The tracker's subtype flags for one asset."""
    is_video = entry.media_type is MediaType.VIDEO
    return Subtypes(
        is_live_photo=facts.live_photo,
        # A depth map on a photo is Portrait; on a video it is Cinematic (see catalog).
        is_portrait=facts.portrait and not is_video,
        is_hdr=facts.hdr,
        is_panorama=facts.panorama,
        is_screenshot=facts.screenshot,
        is_cinematic=entry.is_cinematic,
        is_slomo=facts.slow_mo,
        is_timelapse=facts.time_lapse,
        is_spatial_video=is_video and bool(facts.spatial),
        is_proraw=PRORAW_UTI in (facts.uti, facts.uti_raw),
        has_paired_video=entry.has_paired_video,
        is_spatial_photo=not is_video and bool(facts.spatial),
        is_selfie=facts.selfie,
        is_burst=facts.burst,
        has_raw_pair=facts.has_raw,
        is_edited=facts.hasadjustments,
        is_hidden=facts.hidden,
        is_favorite=facts.favorite,
        is_shared_library=bool(facts.shared_library),
        is_syndicated=bool(facts.syndicated) and not facts.saved_to_library,
    )


def _located(
    kind: ResourceKind, path: str | Path | None, local_in_db: bool, cloud_library: bool
) -> Resource:
    """One resource with where its bytes are: on disk, only in iCloud, or gone. A ``path``
    is one found on disk: osxphotos and the direct reader give a path only for a file
    there, and the original adjustments come from a listing of the folder. A second look
    was a stat per file of a first read (the upload copes with a file gone since)."""
    if path is not None:
        return Resource(kind, Availability.LOCAL, Path(path))
    if not local_in_db and cloud_library:
        return Resource(kind, Availability.CLOUD)
    return Resource(kind, Availability.MISSING)


def resources(
    facts: PhotoFacts, entry: CatalogEntry, adjustments: Path | None = None
) -> tuple[Resource, ...]:
    """The asset's parts with their availability. The original is always listed;
    ``adjustments``: its original adjustments file, if it has one on disk.

    osxphotos returns no path both for an original that lives only in iCloud and for one
    that vanished from disk; ``ismissing`` (Photos' own "not local") tells them apart, and a
    referenced file that is gone is missing, not in iCloud.
    """
    cloud = facts.iscloudasset and not facts.isreference
    found = [_located(ResourceKind.ORIGINAL, facts.path, not facts.ismissing, cloud)]
    local = entry.resource_local
    if RESOURCE_PAIRED_VIDEO in local:
        found.append(
            _located(
                ResourceKind.PAIRED_VIDEO,
                facts.path_live_photo,
                local[RESOURCE_PAIRED_VIDEO],
                cloud,
            )
        )
    if facts.has_raw or RESOURCE_ALTERNATE in local:
        found.append(
            _located(ResourceKind.RAW, facts.path_raw, local.get(RESOURCE_ALTERNATE, True), cloud)
        )
    if RESOURCE_ADJUSTMENT in local or adjustments is not None:
        found.append(
            _located(
                ResourceKind.AAE,
                adjustments,
                local.get(RESOURCE_ADJUSTMENT, True),
                cloud,
            )
        )
    # Renderings of an edit exist only as files; osxphotos finds them when they are on disk.
    if facts.path_edited:
        found.append(_located(ResourceKind.EDITED, facts.path_edited, True, cloud))
    if facts.path_edited_live_photo:
        found.append(
            _located(ResourceKind.EDITED_PAIRED_VIDEO, facts.path_edited_live_photo, True, cloud)
        )
    return tuple(found)

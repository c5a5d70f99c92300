"""What an import will do with each asset not yet in Immich. Pure logic.

Input is what the tracker (or, in a dry run, a fresh scan) knows of each asset; output is
an :class:`ImportPlan`: the uploads to make, in capture order, and the assets skipped with
the reason the user will read in ``review``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from photos_sync.plan.metadata import (
    MetadataOptions,
    NewFace,
    SidecarFields,
    carried_by_sidecar,
    faces_with_upload,
)
from photos_sync.source.records import (
    Availability,
    LibraryAsset,
    MediaType,
    Resource,
    ResourceKind,
    kind_name,
)
from photos_sync.track.assets import AssetRow, photos_metadata

CLOUD_ONLY = "in iCloud only, use --include-cloud"
CLOUD_NEEDS_MAC = "in iCloud only; downloading it needs macOS Photos (--include-cloud)"
FILE_MISSING = "original file is missing from the library (Photos lists it as local)"
HIDDEN_SKIPPED = "hidden in Photos (--hidden-as skip)"
SHARED_SKIPPED = "in an iCloud Shared Library or Shared with You (--skip-shared)"


class HiddenAs(StrEnum):
    """Where a photo hidden in Photos goes in Immich."""

    ARCHIVE = "archive"
    LOCKED = "locked"
    SKIP = "skip"


@dataclass(frozen=True)
class Candidate:
    """An asset an import may act on, from the tracker or from a fresh scan."""

    uuid: str
    filename: str
    media_type: MediaType
    created_at: str
    modified_at: str | None
    favorite: bool
    hidden: bool
    cinematic: bool
    edited: bool
    resources: tuple[Resource, ...]
    shared: bool = False  # Shared Library or Shared with You
    raw_pair: bool = False
    kinds: frozenset[str] = frozenset()  # its special kinds (source.records.KINDS names)
    desired: Mapping[str, object] = field(default_factory=dict)  # what Photos says of it

    def resource(self, kind: ResourceKind) -> Resource | None:
        return next((r for r in self.resources if r.kind is kind), None)


def candidate_from_row(row: AssetRow) -> Candidate:
    return Candidate(
        uuid=row.uuid,
        filename=row.filename or row.uuid,
        media_type=MediaType(row.media_type or MediaType.PHOTO),
        created_at=row.asset_created_at,
        modified_at=row.photos_modified_at,
        favorite=row.favorite,
        hidden=row.hidden,
        cinematic=row.cinematic,
        edited=row.edited,
        resources=tuple(Resource.from_json(r) for r in row.resources),
        shared=row.shared,
        raw_pair=row.raw_pair,
        kinds=row.kinds,
        desired=row.desired,
    )


def candidate_from_asset(asset: LibraryAsset, modified_at: str | None) -> Candidate:
    return Candidate(
        uuid=asset.uuid,
        filename=asset.filename,
        media_type=asset.media_type,
        created_at=asset.created_at.isoformat(),
        modified_at=modified_at,
        favorite=asset.subtypes.is_favorite,
        hidden=asset.subtypes.is_hidden,
        cinematic=asset.subtypes.is_cinematic,
        edited=asset.subtypes.is_edited,
        resources=asset.resources,
        shared=asset.subtypes.is_shared_library or asset.subtypes.is_syndicated,
        raw_pair=asset.subtypes.has_raw_pair,
        kinds=frozenset(kind_name(column) for column in asset.subtypes.set_names()),
        desired=photos_metadata(asset),
    )


@dataclass(frozen=True)
class ImportTask:
    """One asset to put into Immich: its original, and its motion video for a Live Photo."""

    uuid: str
    filename: str
    created_at: str
    modified_at: str
    favorite: bool
    visibility: str | None
    original: Resource
    paired_video: Resource | None
    sidecars: tuple[Resource, ...]  # kept locally for Cinematic videos
    has_paired_video: bool = False  # the library lists a motion video, usable or not
    companions: tuple[tuple[str, Resource], ...] = ()  # ("raw" | "edited", rendering)
    edited_video: Resource | None = None  # an edited Live Photo's motion, for its edited copy
    # What Photos says of it, sent with the original as an XMP sidecar, and what that
    # counts as sent once the upload is answered (see plan.metadata.carried_by_sidecar).
    sidecar: SidecarFields = field(default_factory=SidecarFields)
    carried: Mapping[str, object] = field(default_factory=dict)
    faces: tuple[NewFace, ...] = ()  # placed through the API once the original is uploaded

    def companion_filename(self, role: str, resource: Resource) -> str:
        """``IMG_1.JPG`` -> ``IMG_1.CR2`` (its RAW) or ``IMG_1_edited.JPG`` (the edit)."""
        suffix = (resource.path.suffix if resource.path else "").upper()
        stem = Path(self.filename).stem
        return f"{stem}{suffix}" if role == "raw" else f"{stem}_edited{suffix}"

    @property
    def parts(self) -> tuple[Resource, ...]:
        """Every file the import reads for this asset."""
        video = (self.paired_video,) if self.paired_video is not None else ()
        return (self.original, *video, *self.sidecars)

    @property
    def needs_download(self) -> bool:
        return any(part.availability is Availability.CLOUD for part in self.parts)

    @property
    def video_filename(self) -> str:
        """``IMG_1.HEIC`` + its ``…_3.mov`` -> ``IMG_1.MOV`` (the name Photos exports)."""
        suffix = (
            self.paired_video.path.suffix
            if self.paired_video and self.paired_video.path
            else ".mov"
        )
        return f"{Path(self.filename).stem}{suffix.upper()}"


@dataclass(frozen=True)
class Skip:
    uuid: str
    filename: str
    reason: str


@dataclass(frozen=True)
class ImportPlan:
    tasks: list[ImportTask]
    skips: list[Skip]
    deferred: int = 0  # left for a later run by --limit
    left_out: int = 0  # not in the user's selection (--album, --since, ...): not tried
    people_created: int = 0  # made in Immich before the uploads, for their faces

    def to_json(self) -> dict[str, object]:
        return {
            "upload": len(self.tasks),
            "left_out_by_selection": self.left_out,
            "live_photos": sum(1 for t in self.tasks if t.paired_video is not None),
            "skip": len(self.skips),
            "deferred_by_limit": self.deferred,
            "tasks": [{"uuid": t.uuid, "filename": t.filename} for t in self.tasks],
            "skips": [
                {"uuid": s.uuid, "filename": s.filename, "reason": s.reason} for s in self.skips
            ],
        }


def _usable(resource: Resource | None, downloads: bool) -> bool:
    if resource is None:
        return False
    return resource.availability is Availability.LOCAL or (
        downloads and resource.availability is Availability.CLOUD
    )


def _original_problem(
    original: Resource, include_cloud: bool, downloads_possible: bool
) -> str | None:
    if original.availability is Availability.LOCAL:
        return None
    if original.availability is Availability.CLOUD:
        if not include_cloud:
            return CLOUD_ONLY
        return None if downloads_possible else CLOUD_NEEDS_MAC
    return FILE_MISSING


def upload_name(filename: str, original: Resource) -> str:
    """The name Immich gets: Photos' own, with the file's extension when Photos' has none
    (Immich decides what a file is by the extension of that name)."""
    suffix = original.path.suffix if original.path else ""
    return filename if Path(filename).suffix or not suffix else f"{filename}{suffix}"


@dataclass(frozen=True)
class PlanOptions:
    """What the user chose that decides upload or skip."""

    include_cloud: bool = False  # --include-cloud: iCloud-only originals are downloaded
    downloads_possible: bool = False  # a Photos bridge is there to download them (a Mac)
    check_local: bool = True  # False (--skip-local-check): the importer finds out per file
    hidden_as: HiddenAs = HiddenAs.ARCHIVE
    limit: int = 0  # at most this many uploads now; the rest wait for a later run
    with_edits: bool = False  # Photos' edited renderings too, stacked on the original
    skip_shared: bool = False  # shared-library and shared-with-you assets left out
    metadata: MetadataOptions = field(default_factory=MetadataOptions)  # the sidecars' shape
    # Photos person -> Immich name: people whose faces ride in the sidecars (face import on)
    face_people: Mapping[str, str] = field(default_factory=dict)
    # Photos person -> Immich person: faces placed as soon as each upload returns (it is off)
    face_ids: Mapping[str, str] = field(default_factory=dict)

    @property
    def downloads(self) -> bool:
        return self.include_cloud and self.downloads_possible


def task_for(candidate: Candidate, options: PlanOptions = PlanOptions()) -> ImportTask | Skip:
    """Upload or skip (and why) for one asset."""
    include_cloud, downloads_possible = options.include_cloud, options.downloads_possible
    hidden_as, with_edits = options.hidden_as, options.with_edits
    check_local, skip_shared = options.check_local, options.skip_shared
    original = candidate.resource(ResourceKind.ORIGINAL)
    if original is None:
        return Skip(candidate.uuid, candidate.filename, FILE_MISSING)
    problem = _original_problem(original, include_cloud, downloads_possible)
    if problem is not None and check_local:
        return Skip(candidate.uuid, candidate.filename, problem)
    if candidate.hidden and hidden_as is HiddenAs.SKIP:
        return Skip(candidate.uuid, candidate.filename, HIDDEN_SKIPPED)
    if candidate.shared and skip_shared:
        return Skip(candidate.uuid, candidate.filename, SHARED_SKIPPED)
    wanted = {ResourceKind.RAW: "raw"} if candidate.raw_pair else {}
    if with_edits:
        wanted[ResourceKind.EDITED] = "edited"
    companions = tuple(
        (wanted[r.kind], r)
        for r in candidate.resources
        if r.kind in wanted and r.availability is Availability.LOCAL and not candidate.cinematic
    )
    video = candidate.resource(ResourceKind.PAIRED_VIDEO)
    edited_video = candidate.resource(ResourceKind.EDITED_PAIRED_VIDEO)
    if "edited" not in dict(companions) or not _usable(edited_video, downloads=False):
        edited_video = None
    sidecar, carried = carried_by_sidecar(candidate.desired, options.metadata, options.face_people)
    sidecars = tuple(
        r
        for r in candidate.resources
        if candidate.cinematic
        and r.kind in (ResourceKind.AAE, ResourceKind.EDITED)
        and _usable(r, options.downloads)
    )
    return ImportTask(
        uuid=candidate.uuid,
        filename=upload_name(candidate.filename, original),
        created_at=candidate.created_at,
        modified_at=candidate.modified_at or candidate.created_at,
        favorite=candidate.favorite,
        visibility=hidden_as.value if candidate.hidden else None,
        original=original,
        paired_video=video if _usable(video, options.downloads) else None,
        sidecars=sidecars,
        has_paired_video=video is not None,
        companions=companions,
        edited_video=edited_video,
        sidecar=sidecar,
        carried=carried,
        faces=faces_with_upload(candidate.desired, options.face_ids),
    )


def plan_import(
    candidates: Iterable[Candidate], options: PlanOptions = PlanOptions()
) -> ImportPlan:
    """Decide, asset by asset, upload or skip (and why), in capture order."""
    tasks: list[ImportTask] = []
    skips: list[Skip] = []
    for candidate in candidates:
        decision = task_for(candidate, options)
        if isinstance(decision, ImportTask):
            tasks.append(decision)
        else:
            skips.append(decision)
    deferred, limit = 0, options.limit
    if limit and len(tasks) > limit:
        deferred = len(tasks) - limit
        tasks = tasks[:limit]
    return ImportPlan(tasks=tasks, skips=skips, deferred=deferred)


def merge_candidates(
    tracked: Iterable[Candidate], scanned: Iterable[Candidate], imported: set[str]
) -> list[Candidate]:
    """Tracker candidates overlaid with a fresh (unsaved) scan: for a dry run's plan."""
    merged = {c.uuid: c for c in tracked}
    for candidate in scanned:
        if candidate.uuid not in imported:
            merged[candidate.uuid] = candidate
    return sorted(merged.values(), key=lambda c: (c.created_at, c.uuid))

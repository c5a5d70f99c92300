"""``photos-sync report``: what the migration looks like, gathered from the library and the
tracker alone (no server: the page works offline, from a USB stick). The counts are the ones
``status`` shows, from the same function."""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from photos_sync import __version__
from photos_sync.immich.web import album_page, asset_page, web_address
from photos_sync.plan.problems import is_problem
from photos_sync.source.library import PhotosLibrary
from photos_sync.source.records import SUBTYPE_LABELS, MediaType
from photos_sync.source.thumbnails import thumbnail
from photos_sync.track.assets import TrackedAsset, immich_ids, tracked_assets
from photos_sync.track.backup_jobs import Job, destination, jobs, stale_jobs
from photos_sync.track.backups import backup_summaries
from photos_sync.track.database import reading
from photos_sync.track.metadata import album_ids, album_members
from photos_sync.track.runs import RunRecord, recent_runs
from photos_sync.workflow.status import StatusReport, library_status
from photos_sync.workflow.workspace import Workspace

THUMBNAILS = 300  # problem assets shown with a picture; the rest are listed as text
LISTED = 10_000  # problem assets listed at all (the counts by reason cover every one)
RUNS = 10
BACKUP_STALE = timedelta(hours=48)  # a nightly backup older than this is worth a warning


@dataclass(frozen=True)
class ProblemAsset:
    uuid: str
    filename: str
    date: str
    status: str
    reason: str
    link: str | None  # the asset in Immich's web app, when it is there
    picture: str | None  # a data URI, for the first THUMBNAILS


@dataclass(frozen=True)
class AlbumLine:
    title: str
    in_photos: int
    made: bool  # the Immich album exists
    link: str | None  # to it in Immich's web app
    in_immich: int  # members photos-sync has put in the Immich album


@dataclass(frozen=True)
class BackupFolder:
    destination: str
    folder: str
    status: str
    bytes: int
    files: int | None
    last_update: str | None
    warning: str | None


@dataclass(frozen=True)
class ReportData:
    generated_at: str
    version: str
    status: StatusReport
    years: list[tuple[str, int, int]]  # year, photos, videos
    problems: list[ProblemAsset]
    problem_total: int
    albums: list[AlbumLine]
    backups: list[BackupFolder]
    runs: list[RunRecord]
    immich_web: str | None
    most_in_a_year: int = field(init=False)
    kinds: list[tuple[str, str, int]] = field(init=False)  # (status key, label, count) > 0

    def __post_init__(self) -> None:
        most = max((photos + videos for _, photos, videos in self.years), default=0)
        object.__setattr__(self, "most_in_a_year", most)
        counted = self.status.subtypes.items()
        kinds = [(name, SUBTYPE_LABELS[name], count) for name, count in counted if count]
        object.__setattr__(self, "kinds", kinds)


def _years(tracked: dict[str, TrackedAsset]) -> list[tuple[str, int, int]]:
    photos: Counter[str] = Counter()
    videos: Counter[str] = Counter()
    for asset in tracked.values():
        if asset.archived or asset.in_trash:
            continue
        year = (asset.asset_created_at or "")[:4] or "unknown"
        (videos if asset.media_type == MediaType.VIDEO.value else photos)[year] += 1
    return [(year, photos[year], videos[year]) for year in sorted(set(photos) | set(videos))]


def _problems(
    library: PhotosLibrary, tracked: dict[str, TrackedAsset], ids: dict[str, str], web: str | None
) -> tuple[list[ProblemAsset], int]:
    originals = {e.uuid: e.original_file for e in library.entries()}
    found = sorted(
        (a for a in tracked.values() if is_problem(a)),
        key=lambda a: (a.status.value, a.asset_created_at or "", a.uuid),
    )
    shown = []
    for index, asset in enumerate(found[:LISTED]):
        name = asset.filename or asset.uuid
        original = originals.get(asset.uuid)
        path = library.path / "originals" / original if original else None
        immich_id = ids.get(asset.uuid)
        shown.append(
            ProblemAsset(
                uuid=asset.uuid,
                filename=name,
                date=(asset.asset_created_at or "")[:10],
                status=asset.status.value,
                reason=asset.error_reason or "no reason recorded",
                link=asset_page(web, immich_id),
                picture=thumbnail(library.path, asset.uuid, path, name)
                if index < THUMBNAILS
                else None,
            )
        )
    return shown, len(found)


def _albums(
    library: PhotosLibrary,
    mapped: dict[str, tuple[str, str]],
    members: dict[str, set[str]],
    web: str | None,
) -> list[AlbumLine]:
    return [
        AlbumLine(
            title=album.title,
            in_photos=len(album.assets),
            made=album.uuid in mapped,
            link=album_page(web, mapped[album.uuid][0]) if album.uuid in mapped else None,
            in_immich=len(members.get(album.uuid, ())),
        )
        for album in sorted(library.albums(), key=lambda a: a.title.casefold())
    ]


def _warning(job: Job, stale: bool, now: datetime) -> str | None:
    if stale:
        return "interrupted (run backup --force)"
    if job.status != "COMPLETED":
        return f"not completed ({job.status.lower()})"
    if job.last_update and now - datetime.fromisoformat(job.last_update) > BACKUP_STALE:
        return "older than two days"
    return None


def _backup_folders(
    connection: sqlite3.Connection, names: list[str], stats_interval: int
) -> list[BackupFolder]:
    folders = []
    now = datetime.now(UTC)
    for name in names:
        place = destination(connection, name)
        found = jobs(connection, place.id) if place is not None else []
        stale = {job.id for job in stale_jobs(found, stats_interval)}
        folders += [
            BackupFolder(
                name,
                Path(job.source_path).name,
                job.status,
                job.bytes_transferred,
                job.files_in_backup,
                job.last_update,
                _warning(job, job.id in stale, now),
            )
            for job in found
        ]
    return folders


def build_report(work: Workspace) -> ReportData:
    """Everything the page shows, read once from the library and the tracker (read-only:
    a report may be made while a sync runs)."""
    library = work.open_library()
    web = web_address(work.settings.immich_url)
    tracked: dict[str, TrackedAsset] = {}
    ids: dict[str, str] = {}
    runs: list[RunRecord] = []
    mapped: dict[str, tuple[str, str]] = {}
    members: dict[str, set[str]] = {}
    backups: list[BackupFolder] = []
    with reading(work.settings.tracker_path) as connection:
        if connection is not None:
            tracked = tracked_assets(connection)
            ids = immich_ids(connection)
            runs = recent_runs(connection, RUNS)
            mapped = album_ids(connection)
            members = album_members(connection)
            names = [b.name for b in backup_summaries(connection)]
            backups = _backup_folders(connection, names, work.settings.backup_stats_interval)
    # The page does not show the metadata still to send (the costliest part of status).
    status = library_status(work, library, with_metadata=False, tracked=tracked)
    problems, total = _problems(library, tracked, ids, web)
    return ReportData(
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        version=__version__,
        status=status,
        years=_years(tracked),
        problems=problems,
        problem_total=total,
        albums=_albums(library, mapped, members, web),
        backups=backups,
        runs=runs,
        immich_web=web,
    )

"""Repairs of what an earlier import (ours, or another tool's) left incomplete.

- Paired videos: an imported Live Photo whose motion video is not linked in Immich. If the
  server already holds the video (uploaded separately, e.g. by another tool), it is found by
  checksum and linked without uploading; otherwise it is uploaded, hidden, and linked.
- Cinematic sidecars: an imported Cinematic video whose AAE and renderings were never kept.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from photos_sync.errors import ImmichRejected
from photos_sync.immich.client import ImmichClient
from photos_sync.plan.importing import ImportTask, candidate_from_row, task_for
from photos_sync.source.records import Availability
from photos_sync.track.assets import (
    imported_cinematic_without_sidecars,
    imported_live_photos,
    record_motion_video,
    record_sidecars,
)
from photos_sync.upload.checksum import sha1_of
from photos_sync.upload.importer import motion_video_fields
from photos_sync.upload.sidecars import export_sidecars


@dataclass
class RepairSummary:
    linked_existing: int = 0  # the video was on the server already: linked, not uploaded
    uploaded_and_linked: int = 0
    sidecars_kept: int = 0
    not_in_library: int = 0  # nothing to repair with: the part is not on disk in Photos
    problems: Counter[str] = field(default_factory=Counter)  # repairs that failed

    @property
    def repaired(self) -> int:
        return self.linked_existing + self.uploaded_and_linked + self.sidecars_kept

    def to_json(self) -> dict[str, Any]:
        return {
            "linked_existing": self.linked_existing,
            "uploaded_and_linked": self.uploaded_and_linked,
            "sidecars_kept": self.sidecars_kept,
            "not_in_library": self.not_in_library,
            "problems": dict(self.problems),
        }


def paired_video_tasks(
    connection: sqlite3.Connection, *, only_unlinked: bool, limit: int = 0
) -> list[tuple[ImportTask, str]]:
    """(task, still's Immich id) for imported assets with a paired video to (re)link."""
    found = []
    for row in imported_live_photos(connection, only_unlinked=only_unlinked):
        task = task_for(candidate_from_row(row))
        if isinstance(task, ImportTask) and row.immich_id is not None:
            found.append((task, row.immich_id))
    return found[:limit] if limit else found


def repair_paired_videos(
    client: ImmichClient,
    connection: sqlite3.Connection,
    tasks: list[tuple[ImportTask, str]],
    summary: RepairSummary,
) -> None:
    videos = {}
    for task, _ in tasks:
        video = task.paired_video
        if video is None or video.path is None or video.availability is not Availability.LOCAL:
            summary.not_in_library += 1
            continue
        try:
            videos[task.uuid] = sha1_of(video.path)
        except OSError as error:
            summary.problems[f"cannot read the motion video: {error.strerror}"] += 1
    existing = client.bulk_upload_check([(uuid, sha1) for uuid, (sha1, _) in videos.items()])
    for task, still_id in tasks:
        if task.uuid not in videos:
            continue
        assert task.paired_video is not None and task.paired_video.path is not None
        found = existing.get(task.uuid)
        try:
            if found is not None and found.asset_id:
                video_id = found.asset_id
                summary.linked_existing += 1
            else:
                video_id = client.upload(
                    task.paired_video.path,
                    motion_video_fields(task),
                    videos[task.uuid][0],
                ).id
                summary.uploaded_and_linked += 1
            client.update_asset(still_id, livePhotoVideoId=video_id)
        except ImmichRejected as refused:
            summary.problems[refused.message] += 1
            continue
        record_motion_video(connection, task.uuid, video_id)


def repair_cinematic(
    connection: sqlite3.Connection, sidecar_root: Path, summary: RepairSummary
) -> None:
    """Keep the sidecars of imported Cinematic videos that have none recorded."""
    for row in imported_cinematic_without_sidecars(connection):
        task = task_for(candidate_from_row(row))
        if not isinstance(task, ImportTask) or not task.sidecars:
            summary.not_in_library += 1
            continue
        record_sidecars(connection, task.uuid, export_sidecars(task, sidecar_root))
        summary.sidecars_kept += 1

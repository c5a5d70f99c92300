"""``import --repair-paired-videos`` / ``--repair-cinematic``: mend what earlier imports
left incomplete (Live Photos not linked, Cinematic sidecars not kept)."""

from __future__ import annotations

from photos_sync.immich import permissions
from photos_sync.upload.repair import (
    RepairSummary,
    paired_video_tasks,
    repair_cinematic,
    repair_paired_videos,
)
from photos_sync.workflow.connect import connect
from photos_sync.workflow.workspace import Workspace


def repair_imports(work: Workspace, *, paired: bool, cinematic: bool, limit: int) -> RepairSummary:
    summary = RepairSummary()
    with work.tracker("import --repair") as connection:
        if cinematic:
            repair_cinematic(connection, work.settings.data_dir / "sidecars", summary)
        if paired:
            with work.immich_client() as client:
                connect(client, work.feedback, permissions.REPAIR)
                tasks = paired_video_tasks(connection, only_unlinked=False, limit=limit)
                repair_paired_videos(client, connection, tasks, summary)
    return summary

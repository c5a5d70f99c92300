"""Pure planning rules, tested without servers or libraries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from photos_sync.plan.importing import (
    CLOUD_ONLY,
    FILE_MISSING,
    SHARED_SKIPPED,
    Candidate,
    HiddenAs,
    ImportTask,
    PlanOptions,
    Skip,
    plan_import,
    task_for,
)
from photos_sync.source.records import Availability, MediaType, Resource, ResourceKind
from photos_sync.upload.importer import CHUNK, FIRST_CHUNK, _chunks


def candidate(*resources: Resource, **changes: object) -> Candidate:
    base: dict[str, object] = {
        "uuid": "U",
        "filename": "IMG_1.HEIC",
        "media_type": MediaType.PHOTO,
        "created_at": "2020-01-01T10:00:00+01:00",
        "modified_at": None,
        "favorite": False,
        "hidden": False,
        "cinematic": False,
        "edited": False,
        "resources": resources,
    }
    base.update(changes)
    return Candidate(**base)  # type: ignore[arg-type]


LOCAL = Resource(ResourceKind.ORIGINAL, Availability.LOCAL, Path("/lib/U.heic"))
LIVE = Resource(ResourceKind.PAIRED_VIDEO, Availability.LOCAL, Path("/lib/U_3.mov"))


def test_local_original_is_uploaded_with_its_live_video() -> None:
    task = task_for(candidate(LOCAL, LIVE))
    assert isinstance(task, ImportTask) and task.paired_video == LIVE
    assert task.video_filename == "IMG_1.MOV"
    assert task.modified_at == task.created_at  # no modification date: the capture date


def test_cloud_only_and_missing_originals_are_skipped_with_the_reason() -> None:
    cloud = Resource(ResourceKind.ORIGINAL, Availability.CLOUD)
    gone = Resource(ResourceKind.ORIGINAL, Availability.MISSING)
    assert task_for(candidate(cloud)) == Skip("U", "IMG_1.HEIC", CLOUD_ONLY)
    assert task_for(candidate(gone)) == Skip("U", "IMG_1.HEIC", FILE_MISSING)
    assert isinstance(task_for(candidate(gone), PlanOptions(check_local=False)), ImportTask)


def test_hidden_and_shared_options() -> None:
    hidden = candidate(LOCAL, hidden=True)
    archived = task_for(hidden)
    assert isinstance(archived, ImportTask) and archived.visibility == "archive"
    assert isinstance(task_for(hidden, PlanOptions(hidden_as=HiddenAs.SKIP)), Skip)
    shared = candidate(LOCAL, shared=True)
    assert isinstance(task_for(shared), ImportTask)
    assert task_for(shared, PlanOptions(skip_shared=True)) == Skip(
        "U", "IMG_1.HEIC", SHARED_SKIPPED
    )


def test_limit_defers_the_rest_in_capture_order() -> None:
    many = [candidate(LOCAL, uuid=f"U{n}") for n in range(5)]
    plan = plan_import(many, PlanOptions(limit=2))
    assert [t.uuid for t in plan.tasks] == ["U0", "U1"] and plan.deferred == 3


@given(st.integers(min_value=0, max_value=300))
def test_upload_chunks_cover_every_task_once_in_order(count: int) -> None:
    tasks: list[Any] = list(range(count))
    chunks = list(_chunks(tasks, CHUNK))
    assert [t for chunk in chunks for t in chunk] == tasks
    assert all(0 < len(chunk) <= CHUNK for chunk in chunks)
    assert not chunks or len(chunks[0]) == min(count, FIRST_CHUNK)

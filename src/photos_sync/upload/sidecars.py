"""Cinematic sidecars: the parts Immich cannot take, kept in ``<data>/sidecars/{uuid}/``.

Immich accepts no ``.aae`` and has no place for a Cinematic video's edit renderings, so they
are copied beside the tracker, named as the original tool named them: ``VIDEO.AAE``,
``VIDEO_rendered.MOV`` (the edit) and ``VIDEO_base.MOV`` (the unedited original, kept only
when there is an edit).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from photos_sync.plan.importing import ImportTask
from photos_sync.source.records import ResourceKind


def sidecar_names(task: ImportTask) -> list[tuple[Path, str]]:
    """(source file, name in the sidecar folder) for each part to keep."""
    stem = Path(task.filename).stem
    found: list[tuple[Path, str]] = []
    for resource in task.sidecars:
        assert resource.path is not None
        if resource.kind is ResourceKind.AAE:
            found.append((resource.path, f"{stem}.AAE"))
        elif resource.kind is ResourceKind.EDITED:
            found.append((resource.path, f"{stem}_rendered{resource.path.suffix.upper()}"))
            if task.original.path is not None:
                found.append(
                    (task.original.path, f"{stem}_base{task.original.path.suffix.upper()}")
                )
    return found


def export_sidecars(task: ImportTask, sidecar_root: Path) -> list[str]:
    """Copy the task's sidecars (each written to a temporary name, then renamed)."""
    folder = sidecar_root / task.uuid
    names = []
    for source, name in sidecar_names(task):
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial = folder / f".{name}.partial"
        shutil.copyfile(source, partial)
        os.replace(partial, folder / name)
        names.append(name)
    return names

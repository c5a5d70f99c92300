"""``ignore``: assets the user never wants in Immich, by Photos UUID (``--undo`` takes them
back); recorded as skipped "ignored by you", never planned again."""

from __future__ import annotations

from photos_sync.track.assets import ignore_assets, unignore_assets
from photos_sync.workflow.workspace import Workspace


def ignore(work: Workspace, uuids: list[str], *, undo: bool) -> tuple[list[str], list[str]]:
    """(the assets changed, the ones it could not: unknown, or imported already)."""
    wanted = sorted({uuid.strip().upper() for uuid in uuids if uuid.strip()})
    with work.tracker("ignore") as connection:
        done = unignore_assets(connection, wanted) if undo else ignore_assets(connection, wanted)
    return done, [uuid for uuid in wanted if uuid not in done]

"""``sync``, the nightly run: import what is new, send what Photos knows, account for what
was deleted; one recorded run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from photos_sync.immich import permissions
from photos_sync.plan.cleanup import CleanupPlan
from photos_sync.plan.importing import ImportPlan
from photos_sync.plan.metadata import MetadataPlan
from photos_sync.track.runs import recorded_run
from photos_sync.upload.importer import ImportSummary
from photos_sync.workflow.cleanup import cleanup_library
from photos_sync.workflow.connect import check_key
from photos_sync.workflow.importing import (
    ImportOptions,
    metadata_after,
    outcome_of,
    plan_library_import,
    prepare,
    run_plan,
)
from photos_sync.workflow.metadata import plan_metadata
from photos_sync.workflow.workspace import Workspace


@dataclass(frozen=True)
class SyncOutcome:
    """What a sync did, or (``summary`` None) would do. A sync stopped during its uploads
    has neither ``metadata`` nor ``cleanup``: both wait for the next run."""

    plan: ImportPlan
    cleanup: CleanupPlan | None
    metadata: MetadataPlan | None
    summary: ImportSummary | None = None

    def to_json(self) -> dict[str, Any]:
        metadata = self.metadata.counts() if self.metadata is not None else None
        if self.summary is None:
            assert self.cleanup is not None
            return {
                "dry_run": True,
                "import": self.plan.to_json(),
                "metadata": metadata,
                "cleanup": self.cleanup.to_json(),
            }
        cleanup = self.cleanup
        return {
            "import": {**self.summary.to_json(), "left_out_by_selection": self.plan.left_out},
            "metadata": metadata,
            "cleanup": None
            if cleanup is None
            else {
                "archived": len(cleanup.archive),
                "forgotten": len(cleanup.forget),
                "in_immich": cleanup.in_immich,
            },
            "ok": self.summary.ok,
        }


def sync_library(work: Workspace, options: ImportOptions, given: dict[str, Any]) -> SyncOutcome:
    library = work.open_library()
    with work.immich_client() as client, work.tracker("sync") as connection:
        ready = prepare(work, library, client, connection, options, given)
        if ready.deletions != "keep":  # refused before any upload, not after
            check_key(client, permissions.FOLLOW_DELETIONS)
        _, plan = plan_library_import(
            library, connection, ready.options, ready.bridge, ready.metadata, client
        )
        if options.dry_run:
            cleaned = cleanup_library(
                library,
                connection,
                dry_run=True,
                force=False,
                deletions=ready.deletions,
                client=client,
            )
            pending = plan_metadata(library, connection, ready.metadata)
            return SyncOutcome(plan, cleaned, pending)
        with recorded_run(connection, "sync") as run:
            summary = run_plan(work, client, connection, plan, ready.options, ready.bridge)
            if summary.interrupted:  # stopped: no metadata, no clean-up until the next run
                outcome = SyncOutcome(plan, None, None, summary)
                run.finish(outcome_of(summary), outcome.to_json())
                return outcome
            metadata = metadata_after(work, library, client, connection, ready, summary)
            cleaned = cleanup_library(
                library,
                connection,
                dry_run=False,
                force=False,
                deletions=ready.deletions,
                client=client,
            )
            outcome = SyncOutcome(plan, cleaned, metadata, summary)
            run.finish(outcome_of(summary), outcome.to_json())
    return outcome

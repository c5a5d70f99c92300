"""The import as a whole, for every command that imports: ``import``, ``sync``,
``review --retry`` and ``verify --fix``.

Connect and check the key, bind the tracker to the server, settle the remembered choices,
scan the library (only what changed), plan from the tracker (optionally restricted to some
assets), run the plan, then send what Photos knows. No printing here: the commands render
the :class:`ImportOutcome`.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from photos_sync.errors import ConfigError
from photos_sync.immich import permissions
from photos_sync.immich.client import ImmichClient
from photos_sync.plan.choices import Choices, checked
from photos_sync.plan.importing import (
    Candidate,
    HiddenAs,
    ImportPlan,
    PlanOptions,
    candidate_from_asset,
    candidate_from_row,
    merge_candidates,
    plan_import,
)
from photos_sync.plan.metadata import MetadataOptions, MetadataPlan
from photos_sync.plan.selection import Selection, check_dates, missing_albums
from photos_sync.source import bridge as bridges
from photos_sync.source.bridge import PhotosBridge
from photos_sync.source.library import PhotosLibrary
from photos_sync.source.records import MediaType, core_data_time
from photos_sync.track.assets import imported_uuids, not_imported, reset_to_pending
from photos_sync.track.choices import store_choices, stored_choices
from photos_sync.track.runs import recorded_run
from photos_sync.upload.held_work import immich_work_held
from photos_sync.upload.importer import AssetResult, Importer, ImportSummary
from photos_sync.upload.metadata import people_before_uploads
from photos_sync.workflow.connect import bind, check_key, connect
from photos_sync.workflow.feedback import Feedback
from photos_sync.workflow.metadata import sync_metadata
from photos_sync.workflow.scan import ScanResult, scan_library
from photos_sync.workflow.workspace import Workspace


@dataclass(frozen=True)
class ImportOptions:
    include_cloud: bool = False
    skip_local_check: bool = False
    limit: int = 0
    concurrency: int = 1
    delay: float = 5.0
    hidden_as: HiddenAs = HiddenAs.ARCHIVE
    dry_run: bool = False
    only: frozenset[str] | None = None  # just these Photos UUIDs (retries, repairs)
    with_edits: bool = False
    skip_shared: bool = False
    rebind: bool = False  # the tracker may take this server as its own (--rebind)
    selection: Selection = field(default_factory=Selection)  # what goes (remembered)

    def plan_options(
        self, downloads_possible: bool, metadata: MetadataOptions = MetadataOptions()
    ) -> PlanOptions:
        return PlanOptions(
            include_cloud=self.include_cloud,
            downloads_possible=downloads_possible,
            check_local=not self.skip_local_check,
            hidden_as=self.hidden_as,
            limit=self.limit,
            with_edits=self.with_edits,
            skip_shared=self.skip_shared,
            metadata=metadata,
        )


def settle_choices(
    connection: sqlite3.Connection, given: dict[str, Any], dry_run: bool
) -> tuple[Choices, list[str]]:
    """This run's choices: the ones given now, else the data folder's remembered ones; what
    changed is remembered (not by a dry run) and returned in words."""
    stored = stored_choices(connection)
    before = Choices.from_stored(stored)
    given = dict(given)
    base = before.whole_library() if given.pop("whole_library", False) else before
    chosen = base.given(**given)
    if not dry_run and (not stored or chosen != before):
        store_choices(connection, chosen.to_stored())
    return chosen, chosen.changed_from(before)


def with_choices(options: ImportOptions, choices: Choices) -> ImportOptions:
    return dataclasses.replace(
        options,
        hidden_as=choices.hidden_as,
        with_edits=choices.with_edits,
        skip_shared=choices.skip_shared,
        selection=choices.selection(),
    )


SELECTION_WORDS = {f.name.replace("_", "-") for f in dataclasses.fields(Selection)}


def selected(
    candidates: list[Candidate], selection: Selection, library: PhotosLibrary
) -> tuple[list[Candidate], int]:
    """The candidates the user's selection admits, and how many it leaves out."""
    if selection.everything:
        return candidates, 0
    titles = library.album_titles() if selection.albums else {}
    admitted = [
        c
        for c in candidates
        if selection.admits(
            created_at=c.created_at,
            video=c.media_type is MediaType.VIDEO,
            favorite=c.favorite,
            kinds=c.kinds,
            album_titles=titles.get(c.uuid, ()),
        )
    ]
    return admitted, len(candidates) - len(admitted)


def metadata_options(choices: Choices) -> MetadataOptions:
    hidden = HiddenAs.ARCHIVE if choices.hidden_as is HiddenAs.SKIP else choices.hidden_as
    return MetadataOptions(
        album_prefix=choices.album_prefix,
        people_tags=choices.people_tags,
        hidden_visibility=hidden.value,
        raw_primary=choices.raw_primary,
        people=choices.people,
        match_names=choices.people_match_names,
    )


def plan_library_import(
    library: PhotosLibrary,
    connection: sqlite3.Connection,
    options: ImportOptions,
    bridge: PhotosBridge | None = None,
    metadata: MetadataOptions = MetadataOptions(),
    client: ImmichClient | None = None,
) -> tuple[ScanResult, ImportPlan]:
    """Scan what changed, then decide what to upload and what to skip (``metadata``: what
    the uploads' sidecars say, as the metadata step would). With the ``client`` of a run
    that uploads, the faces of the uploads go with them, their people made first: in
    their sidecars where the server imports faces, else through the API as each upload
    returns (see ``people_before_uploads``)."""
    library.require_originals()
    scan = scan_library(library, connection, dry_run=options.dry_run, rebind=options.rebind)
    candidates = [candidate_from_row(row) for row in not_imported(connection)]
    if options.dry_run:  # the scan was not saved: plan from the tracker and the fresh scan
        scanned = [
            candidate_from_asset(asset, core_data_time(modified))
            for asset, modified in scan.scanned
            if not asset.in_trash
        ]
        candidates = merge_candidates(candidates, scanned, imported_uuids(connection))
    left_out = 0
    if options.only is not None:  # asked for by name: the selection does not apply
        candidates = [c for c in candidates if c.uuid in options.only]
    else:
        candidates, left_out = selected(candidates, options.selection, library)
    plan_options = options.plan_options(bridge is not None, metadata)
    plan = plan_import(candidates, plan_options)
    people_created = 0
    if client is not None and not options.dry_run and plan.tasks:
        going = {task.uuid for task in plan.tasks}
        chosen = [candidate for candidate in candidates if candidate.uuid in going]
        ready = people_before_uploads(client, connection, metadata, chosen)
        people_created = ready.created
        if ready.ids:
            plan = plan_import(
                candidates,
                dataclasses.replace(plan_options, face_people=ready.names)
                if ready.in_sidecars
                else dataclasses.replace(plan_options, face_ids=ready.ids),
            )
    return scan, dataclasses.replace(plan, left_out=left_out, people_created=people_created)


def run_plan(
    work: Workspace,
    client: ImmichClient,
    connection: sqlite3.Connection,
    plan: ImportPlan,
    options: ImportOptions,
    bridge: PhotosBridge | None = None,
) -> ImportSummary:
    """Run a plan with progress; Ctrl-C finishes what is in flight, then stops. A large
    plan holds Immich's thumbnails meanwhile (``upload.held_work``)."""
    with (
        work.feedback.interruptible() as stop,
        work.feedback.meter("Importing", len(plan.tasks), with_bytes=True) as progress,
    ):

        def report(result: AssetResult) -> None:
            progress.advance(1, result.bytes_sent)

        importer = Importer(
            client,
            connection,
            work.settings.data_dir / "sidecars",
            concurrency=options.concurrency,
            delay=options.delay,
            report=report,
            stop=stop,
            bridge=bridge,
        )
        with immich_work_held(client, connection, len(plan.tasks), work.feedback.warn) as held:
            if held:
                work.feedback.note(HELD_NOTE)
            return importer.run(plan)


HELD_NOTE = (
    "Immich draws the new photos' thumbnails and converts the videos once the uploads are "
    "done: its queues for them are paused meanwhile, for faster uploads."
)


def _warn_about(options: ImportOptions, feedback: Feedback) -> None:
    if options.include_cloud and bridges.photos_bridge() is None:
        feedback.warn(
            "--include-cloud needs macOS Photos to download originals; iCloud-only assets "
            "will be recorded as skipped."
        )
    if options.hidden_as is HiddenAs.LOCKED:
        feedback.warn(
            "Hidden photos go to Immich's locked folder: an API key cannot read or update "
            "them afterwards (favorites, albums and repairs will not reach them)."
        )


@dataclass(frozen=True)
class Prepared:
    """A run's options once the remembered choices are in, and the Photos bridge if any."""

    options: ImportOptions
    metadata: MetadataOptions
    bridge: PhotosBridge | None
    deletions: str = "keep"  # what a deletion in Photos does in Immich (sync's cleanup)


def metadata_after(
    work: Workspace,
    library: PhotosLibrary,
    client: ImmichClient,
    connection: sqlite3.Connection,
    ready: Prepared,
    summary: ImportSummary,
) -> MetadataPlan:
    """What changed in Photos, sent once a run's uploads are done; a stop (Ctrl-C or
    SIGTERM) lets the requests in flight end first."""
    stoppable = partial(work.feedback.interruptible, "the requests")
    return sync_metadata(
        library, connection, client, ready.metadata, summary.uploads_began, stoppable
    )


def prepare(
    work: Workspace,
    library: PhotosLibrary,
    client: ImmichClient,
    connection: sqlite3.Connection,
    options: ImportOptions,
    given: dict[str, Any],
) -> Prepared:
    """Connect, bind the tracker, settle the choices (saying what a flag given now changed,
    since it holds for the runs after)."""
    given = checked(given, [album.title for album in library.albums()])
    connect(client, work.feedback, permissions.IMPORT)
    bind(client, connection, work.feedback, options.rebind, options.dry_run)
    choices, changes = settle_choices(connection, given, dry_run=True)
    check_dates(choices.since, choices.until)
    if choices.people:  # the people are sent by the metadata step, after the uploads
        check_key(client, permissions.PEOPLE)  # before remembering: a refused run changes nothing
    if not options.dry_run:
        settle_choices(connection, given, dry_run=False)
    if changes:
        said = "Would be remembered (not in a dry run)" if options.dry_run else "Remembered"
        work.feedback.note(f"{said} for this data folder: {'; '.join(changes)}.")
        if any(change.split(":")[0] in SELECTION_WORDS for change in changes):
            now = "would be" if options.dry_run else "now"
            work.feedback.note(f"Selection {now}: {choices.selection().describe()}.")
    _warn_of_missing_albums(choices, library, work.feedback)
    options = with_choices(options, choices)
    _warn_about(options, work.feedback)
    bridge = bridges.photos_bridge() if options.include_cloud else None
    return Prepared(options, metadata_options(choices), bridge, choices.deletions)


def _check_known(library: PhotosLibrary, uuids: frozenset[str]) -> None:
    """``import --again``: every asset named must be in the library (a mistyped UUID
    would otherwise import nothing and say nothing)."""
    unknown = sorted(uuids - {entry.uuid for entry in library.entries()}) if uuids else []
    if unknown:
        raise ConfigError(
            f"Photos has no asset {', '.join(unknown[:5])}"
            + (f" (and {len(unknown) - 5} more)" if len(unknown) > 5 else ""),
            "Copy the UUID from `photos-sync review` or `status --json`",
        )


def _warn_of_missing_albums(choices: Choices, library: PhotosLibrary, feedback: Feedback) -> None:
    """A remembered album Photos no longer has (renamed, deleted) admits nothing: every run
    would quietly import nothing of it, so each run says so."""
    for name in missing_albums(choices.albums, [album.title for album in library.albums()]):
        feedback.warn(
            f"The remembered selection names the album {name!r}, which Photos no longer "
            "has: nothing of it is imported (--album NAME or --whole-library to change it)"
        )


@dataclass(frozen=True)
class ImportOutcome:
    """What an import did; only ``plan`` for a dry run."""

    plan: ImportPlan
    summary: ImportSummary | None = None
    metadata: MetadataPlan | None = None

    def to_json(self) -> dict[str, Any]:
        if self.summary is None:
            return {"dry_run": True, **self.plan.to_json()}
        metadata = self.metadata.counts() if self.metadata else None
        return {
            **self.summary.to_json(),
            "left_out_by_selection": self.plan.left_out,
            "metadata": metadata,
        }


def outcome_of(summary: ImportSummary) -> str:
    return "interrupted" if summary.interrupted else ("ok" if summary.ok else "failures")


def import_library(
    work: Workspace,
    command: str,
    options: ImportOptions,
    given: dict[str, Any],
    send_metadata: bool = True,
    again: frozenset[str] = frozenset(),
) -> ImportOutcome:
    """``import`` and ``review --retry``: plan, then (unless a dry run) upload, send what
    Photos knows, and record the run. ``again`` (``import --again``): just these assets,
    even if recorded as imported (checked again by checksum, their metadata sent again)."""
    library = work.open_library()
    _check_known(library, again)
    with work.immich_client() as client, work.tracker(command) as connection:
        if again:
            if not options.dry_run:
                reset_to_pending(connection, sorted(again))
            options = dataclasses.replace(options, only=again)
        ready = prepare(work, library, client, connection, options, given)
        _, plan = plan_library_import(
            library, connection, ready.options, ready.bridge, ready.metadata, client
        )
        if options.dry_run:
            return ImportOutcome(plan)
        with recorded_run(connection, command) as run:
            summary = run_plan(work, client, connection, plan, ready.options, ready.bridge)
            metadata = None
            if send_metadata and not summary.interrupted:
                metadata = metadata_after(work, library, client, connection, ready, summary)
            outcome = ImportOutcome(plan, summary, metadata)
            run.finish(outcome_of(summary), outcome.to_json())
    return outcome

"""The import as a whole, for every command that imports: ``import``, ``sync``,
``review --retry`` and ``verify --fix``.

Scan the library (only what changed), plan from the tracker (optionally restricted to some
assets), then run the plan. No printing here: the commands say what happened.
"""

from __future__ import annotations

import dataclasses
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from photos_sync.errors import ImmichAuthError, ServerChangedError
from photos_sync.immich.client import ImmichClient
from photos_sync.inventory import ScanResult, scan_library
from photos_sync.plan.choices import Choices
from photos_sync.plan.fidelity import FidelityOptions, FidelityPlan, plan_fidelity
from photos_sync.plan.importing import (
    HiddenAs,
    ImportPlan,
    candidate_from_asset,
    candidate_from_row,
    merge_candidates,
    plan_import,
)
from photos_sync.source.bridge import PhotosBridge
from photos_sync.source.library import PhotosLibrary
from photos_sync.track.assets import imported_uuids, not_imported_rows
from photos_sync.track.binding import (
    Binding,
    forget_server,
    read_binding,
    record_binding,
    recorded_sample,
)
from photos_sync.track.choices import store_choices, stored_choices
from photos_sync.track.fidelity import album_ids, album_members, imported_for_fidelity, stacks
from photos_sync.upload.fidelity import apply_fidelity
from photos_sync.upload.importer import Importer, ImportSummary, Reporter


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


def settle_choices(
    connection: sqlite3.Connection, given: dict[str, Any], dry_run: bool
) -> tuple[Choices, list[str]]:
    """This run's choices: the ones given now, else the data folder's remembered ones; what
    changed is remembered (not by a dry run) and returned in words."""
    stored = stored_choices(connection)
    before = Choices.from_stored(stored)
    chosen = before.given(**given)
    if not dry_run and (not stored or chosen != before):
        store_choices(connection, chosen.to_stored())
    return chosen, chosen.changed_from(before)


def with_choices(options: ImportOptions, choices: Choices) -> ImportOptions:
    return dataclasses.replace(
        options,
        hidden_as=choices.hidden_as,
        with_edits=choices.with_edits,
        skip_shared=choices.skip_shared,
    )


def metadata_options(choices: Choices) -> FidelityOptions:
    hidden = HiddenAs.ARCHIVE if choices.hidden_as is HiddenAs.SKIP else choices.hidden_as
    return FidelityOptions(
        album_prefix=choices.album_prefix,
        people_tags=choices.people_tags,
        hidden_visibility=hidden.value,
        raw_primary=choices.raw_primary,
    )


BINDING_SAMPLE = 20  # recorded ids looked for on the server at the start of a run
REBIND_HINT = (
    "If that is meant (Immich reinstalled, a new user), run again with --rebind: every asset "
    "is then checked by checksum against this server and what it lacks is uploaded"
)


def _current_binding(client: ImmichClient) -> Binding:
    try:
        user_id, email = client.my_user()
    except ImmichAuthError:  # a key without user.read: the sample of ids still tells
        user_id, email = "", ""
    return Binding(client.display_url, user_id, email)


def _sample_still_there(client: ImmichClient, sample: list[tuple[str, str]]) -> bool:
    """Whether the server still holds any of a sample of recorded assets (one request; a
    key that may not ask gets the benefit of the doubt)."""
    try:
        found = client.bulk_upload_check(sample)
    except ImmichAuthError:
        return True
    return any(
        (hit := found.get(immich_id)) is not None and hit.asset_id == immich_id
        for immich_id, _ in sample
    )


def check_server(
    client: ImmichClient, connection: sqlite3.Connection, rebind: bool = False
) -> str | None:
    """Refuse to go on with a tracker whose ids belong to another server or user; with
    ``rebind``, forget those ids and take this server. Returns a note to show, if any."""
    current = _current_binding(client)
    if rebind:
        count = forget_server(connection)
        record_binding(connection, current)
        return (
            f"Bound to {current.describe()}: {count:,} assets recorded as imported elsewhere "
            "are checked again by checksum; what this server lacks is uploaded."
        )
    recorded = read_binding(connection)
    problem = None
    if recorded and recorded.user_id and current.user_id and recorded.user_id != current.user_id:
        problem = f"the tracker was filled for {recorded.describe()}, this is {current.describe()}"
    else:
        sample = recorded_sample(connection, BINDING_SAMPLE)
        if sample and not _sample_still_there(client, sample):
            problem = (
                f"the server holds none of {len(sample)} photos the tracker records as "
                "imported into it"
            )
    if problem:
        raise ServerChangedError(f"This is another Immich server or user: {problem}", REBIND_HINT)
    if recorded != current:
        record_binding(connection, current)
    return None


def plan_library_import(
    library: PhotosLibrary,
    connection: sqlite3.Connection,
    options: ImportOptions,
    bridge: PhotosBridge | None = None,
) -> tuple[ScanResult, ImportPlan]:
    """Scan what changed, then decide what to upload and what to skip."""
    library.require_originals()
    scan = scan_library(library, connection, dry_run=options.dry_run)
    candidates = [candidate_from_row(row) for row in not_imported_rows(connection)]
    if options.dry_run:  # the scan was not saved: plan from the tracker and the fresh scan
        scanned = [
            candidate_from_asset(asset, modified)
            for asset, modified in scan.scanned
            if not asset.in_trash
        ]
        candidates = merge_candidates(candidates, scanned, imported_uuids(connection))
    if options.only is not None:
        candidates = [c for c in candidates if c.uuid in options.only]
    plan = plan_import(
        candidates,
        include_cloud=options.include_cloud,
        downloads_possible=bridge is not None,
        check_local=not options.skip_local_check,
        hidden_as=options.hidden_as,
        limit=options.limit,
        with_edits=options.with_edits,
        skip_shared=options.skip_shared,
    )
    return scan, plan


def run_import(
    client: ImmichClient,
    connection: sqlite3.Connection,
    plan: ImportPlan,
    options: ImportOptions,
    sidecar_root: Path,
    report: Reporter | None = None,
    stop: threading.Event | None = None,
    bridge: PhotosBridge | None = None,
) -> ImportSummary:
    importer = Importer(
        client,
        connection,
        sidecar_root,
        concurrency=options.concurrency,
        delay=options.delay,
        report=report,
        stop=stop,
        bridge=bridge,
    )
    return importer.run(plan)


def plan_metadata(
    library: PhotosLibrary,
    connection: sqlite3.Connection,
    options: FidelityOptions = FidelityOptions(),
    client: ImmichClient | None = None,
) -> FidelityPlan:
    """What Immich must still be told of favorites, descriptions, tags, albums, bursts.

    With a client, assets found on the server rather than uploaded are first read there, so
    what the server already shows is kept (see ``adoption_baseline``)."""
    entries = {entry.uuid: entry for entry in library.entries()}
    assets = imported_for_fidelity(connection)
    adopted = [asset.immich_id for asset in assets if asset.applied is None]
    return plan_fidelity(
        assets,
        entries,
        library.albums(),
        album_ids(connection),
        album_members(connection),
        stacks(connection),
        options,
        client.asset_values(adopted) if client is not None and adopted else None,
    )


EXTRACTION_POLL = 0.5  # seconds between looks at what Immich has still to read
# Seconds in all: at least, per asset, at most. What Immich has not read by then is sent by
# the next run (a busy server on a first import of 100k photos may take hours).
EXTRACTION_WAIT = (60.0, 0.25, 900.0)
# Immich's extraction sets an asset's size in one task and replaces its tags in another,
# beside it; only the thumbnail, made once the extraction has finished, proves it is over
# (a 2 s settle after the size lost tags in 2 of 10 real runs). A file whose thumbnail
# fails (an exotic format) counts as read this long after its size is known.
THUMBNAIL_GRACE = 10.0
CLOCK_SKEW = timedelta(minutes=10)  # the server's clock may differ from ours


def wait_for_extraction(client: ImmichClient, asset_ids: set[str], since: datetime) -> set[str]:
    """Wait (bounded) until Immich has finished reading these new uploads; the ones still
    unfinished when the wait ended. One listing per look, whatever the number of assets."""
    least, each, most = EXTRACTION_WAIT
    deadline = time.monotonic() + min(most, least + each * len(asset_ids))
    after = (since - CLOCK_SKEW).isoformat()
    reading_since: dict[str, float] = {}
    pending = set(asset_ids)
    while pending:
        now = time.monotonic()
        states = client.extraction_states(pending, after)
        for asset_id in list(pending):
            state = states.get(asset_id, "done")
            if state == "reading":
                reading_since.setdefault(asset_id, now)
            if state == "done" or now - reading_since.get(asset_id, now) > THUMBNAIL_GRACE:
                pending.discard(asset_id)
        if not pending or now > deadline:
            break
        time.sleep(EXTRACTION_POLL)
    return pending


def sync_metadata(
    library: PhotosLibrary,
    connection: sqlite3.Connection,
    client: ImmichClient,
    options: FidelityOptions = FidelityOptions(),
    uploaded_since: datetime | None = None,
) -> FidelityPlan:
    """Send only what changed since the last run; returns what was sent.

    ``uploaded_since``: when this run's uploads began. Immich reads each new file's
    metadata in the background and then replaces the asset's tags and EXIF fields with the
    file's; what photos-sync sends before that can be lost, so it waits for it first, and
    what Immich has still not read when the wait ends is left for the next run."""
    plan = plan_metadata(library, connection, options, client)
    if plan.empty and not plan.applied:
        return plan
    if uploaded_since is not None:
        touched = plan.exif_writes()
        if touched:
            plan.defer(wait_for_extraction(client, touched, uploaded_since))
    apply_fidelity(client, connection, plan)
    return plan

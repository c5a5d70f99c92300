"""``verify``: prove the server holds what the tracker says (assets, files, Live Photo links,
albums, tags, stacks), and with ``--fix`` repair it, each step independent of the others."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from photos_sync.errors import ImmichAuthError, ImmichRejected, PhotosSyncError
from photos_sync.immich import permissions
from photos_sync.immich.client import ImmichClient
from photos_sync.immich.records import ServerAsset
from photos_sync.plan.choices import Choices
from photos_sync.plan.importing import HiddenAs, candidate_from_row
from photos_sync.plan.metadata import faces_target, marked_albums
from photos_sync.plan.verify import (
    FIXABLE,
    FacedAsset,
    Finding,
    Imported,
    Problem,
    album_twins,
    compare,
    compare_albums,
    compare_faces,
    compare_stacks,
    compare_tags,
    missing_tags,
)
from photos_sync.source.library import PhotosLibrary
from photos_sync.source.records import Availability, ResourceKind
from photos_sync.track.assets import AssetRow, immich_ids, imported, reset_to_pending
from photos_sync.track.choices import stored_choices
from photos_sync.track.metadata import (
    album_ids,
    people,
    record_stack,
    stacks,
)
from photos_sync.upload.checksum import sha1_of
from photos_sync.upload.metadata import known_tags, move_album_into, tag_sets
from photos_sync.upload.repair import RepairSummary, paired_video_tasks, repair_paired_videos
from photos_sync.workflow.connect import bind, connect
from photos_sync.workflow.importing import (
    ImportOptions,
    metadata_options,
    plan_library_import,
    run_plan,
)
from photos_sync.workflow.metadata import wait_for_extraction
from photos_sync.workflow.workspace import Workspace

NEEDED_TO_VERIFY = permissions.VERIFY
NEEDED_TO_FIX = permissions.VERIFY_FIX


def _imported(rows: list[AssetRow]) -> list[Imported]:
    found = []
    for row in rows:
        video = candidate_from_row(row).resource(ResourceKind.PAIRED_VIDEO)
        found.append(
            Imported(
                uuid=row.uuid,
                filename=row.filename or row.uuid,
                immich_id=row.immich_id or "",
                sha1=row.sha1,
                motion_video_id=row.motion_video_immich_id,
                motion_video_on_disk=video is not None and video.availability is Availability.LOCAL,
                # an adopted asset keeps the server's own date: only a sent one is checked
                date=row.applied.get("date") if row.uploaded else None,
            )
        )
    return found


def _member_ids(rows: list[AssetRow]) -> dict[str, str]:
    """Immich id of every stack member the tracker knows: each imported asset by its Photos
    uuid, and its RAW or edited companion as ``uuid:raw`` / ``uuid:edited``."""
    ids: dict[str, str] = {}
    for row in rows:
        ids[row.uuid] = row.immich_id or ""
        for kind, immich_id in row.companions.items():
            ids[f"{row.uuid}:{kind}"] = immich_id
    return ids


def _library_sha1(work: Workspace, rows: list[AssetRow]) -> dict[str, str]:
    """--deep: hash each imported asset's original in the library again."""
    found: dict[str, str] = {}
    with work.feedback.meter("Hashing library files", len(rows)) as progress:
        for row in rows:
            original = candidate_from_row(row).resource(ResourceKind.ORIGINAL)
            if original and original.availability is Availability.LOCAL and original.path:
                with contextlib.suppress(OSError):  # unreadable now: nothing to compare
                    found[row.uuid] = sha1_of(original.path)[0]
            progress.advance()
    return found


def _expected_albums(
    library: PhotosLibrary, connection: sqlite3.Connection, rows: list[AssetRow]
) -> dict[str, tuple[str, str, set[str]]]:
    """Albums photos-sync made: Photos uuid -> (Immich id, name, imported members' ids)."""
    imported = {row.uuid: row.immich_id for row in rows if row.immich_id}
    known = album_ids(connection)
    return {
        album.uuid: (
            known[album.uuid][0],
            known[album.uuid][1],
            {imported[uuid] for uuid in album.assets if uuid in imported},
        )
        for album in library.albums()
        if album.uuid in known
    }


def check(
    work: Workspace,
    library: PhotosLibrary,
    client: ImmichClient,
    connection: sqlite3.Connection,
    deep: bool,
) -> tuple[list[Finding], int]:
    """The differences, and how many imported assets were checked. Those in Immich's
    locked folder (hidden, with --hidden-as locked) are left out: an API key can neither
    see nor change them there, so the server cannot show they are fine, or not."""
    choices = Choices.from_stored(stored_choices(connection))
    locked = choices.hidden_as is HiddenAs.LOCKED
    rows = [row for row in imported(connection) if not (locked and row.hidden)]
    server = {asset.id: asset for asset in client.all_assets()}
    assets = _imported(rows)
    findings = compare(assets, server, _library_sha1(work, rows) if deep else None)
    findings += compare_tags(assets, _tags_lacking(client, connection, rows, server))
    albums = _expected_albums(library, connection, rows)
    on_server = {
        immich_id: client.album_asset_ids(immich_id) for immich_id, _, _ in albums.values()
    }
    recorded = {uuid.upper(): immich_id for uuid, (immich_id, _) in album_ids(connection).items()}
    twins = album_twins(marked_albums(client.albums()), recorded)
    by_uuid = {asset.uuid: asset for asset in assets}
    made = stacks(connection)
    findings += compare_stacks(made, _member_ids(rows), by_uuid, client.stacks() if made else [])
    if choices.people:
        findings += _doubled_faces(client, connection, rows, server)
    return findings + compare_albums(albums, on_server) + twins, len(rows)


def _faced(rows: list[AssetRow]) -> list[FacedAsset]:
    """The imported assets photos-sync placed named faces on (its record of what it sent),
    with the Immich asset holding them (an edited photo's edited copy)."""
    found = []
    for row in rows:
        if not row.applied.get("faces"):
            continue
        target = faces_target(row.desired, row.immich_id, row.companions)
        if target:
            found.append(FacedAsset(row.uuid, row.filename or row.uuid, target))
    return found


def _doubled_faces(
    client: ImmichClient,
    connection: sqlite3.Connection,
    rows: list[AssetRow],
    server: Mapping[str, ServerAsset],
) -> list[Finding]:
    """Faces placed twice, and people made twice (one request per asset with faces)."""
    faced = [asset for asset in _faced(rows) if asset.target in server]
    if not faced:
        return []
    seen = {asset.target: client.faces_of(asset.target) for asset in faced}
    return compare_faces(faced, seen, people(connection), client.people_by_name())


def _unface(client: ImmichClient, connection: sqlite3.Connection, findings: list[Finding]) -> None:
    """Take each extra face off (the first of each person photos-sync made stays)."""
    ours = {immich_id for immich_id, _ in people(connection).values()}
    for finding in _of(findings, (Problem.FACE_TWICE,)):
        kept: set[str] = set()
        for face_id, person in client.faces_of(finding.immich_id):
            if person in ours and person in kept:
                client.delete_face(face_id)
            elif person is not None:
                kept.add(person)


def _tags_given(rows: list[AssetRow]) -> dict[str, set[str]]:
    """Tag name -> the Immich ids photos-sync gave it to (the tracker's record of what was
    sent: Photos' keywords, and people tags when chosen)."""
    given: dict[str, set[str]] = {}
    for row in rows:
        for name in row.applied.get("keywords", []):
            given.setdefault(name, set()).add(row.immich_id or "")
    return given


def _tags_lacking(
    client: ImmichClient,
    connection: sqlite3.Connection,
    rows: list[AssetRow],
    present: Collection[str],
) -> dict[str, set[str]]:
    """Tag name -> the assets on the server that lack it though photos-sync gave it (one
    search per tag; an asset gone from the server is reported as missing instead). A tag
    Immich no longer has at all is lacking on every asset given it."""
    given = {name: {i for i in ids if i in present} for name, ids in _tags_given(rows).items()}
    known = known_tags(client, connection, given)
    on_server = {
        name: client.tagged_asset_ids(known[name]) if name in known else set() for name in given
    }
    return missing_tags(given, on_server)


def _retag(client: ImmichClient, connection: sqlite3.Connection, findings: list[Finding]) -> None:
    """Give back the tags photos-sync gave (each asset its whole missing set at once)."""
    lacking_assets = {f.immich_id for f in _of(findings, (Problem.TAGS_MISSING,))}
    if not lacking_assets:
        return
    rows = [r for r in imported(connection) if r.immich_id in lacking_assets]
    lacking = _tags_lacking(client, connection, rows, lacking_assets)
    known = known_tags(client, connection, lacking, making=lacking)  # deleted: made again
    for names, asset_ids in tag_sets(lacking):
        client.tag_assets([known[name] for name in names], asset_ids)


def _merge_twins(
    client: ImmichClient, connection: sqlite3.Connection, twins: list[Finding]
) -> None:
    """Move each extra album's assets into the one kept, then delete the extra (only albums
    that carry photos-sync's mark ever get here)."""
    recorded = {uuid.upper(): immich_id for uuid, (immich_id, _) in album_ids(connection).items()}
    marked = marked_albums(client.albums())
    for twin in twins:
        extra = {twin.immich_id}
        keep = recorded.get(twin.uuid) or next(a.id for a in marked[twin.uuid] if a.id not in extra)
        move_album_into(client, twin.immich_id, keep)


def fix(
    work: Workspace,
    library: PhotosLibrary,
    client: ImmichClient,
    connection: sqlite3.Connection,
    findings: list[Finding],
) -> list[str]:
    """Restore what can be restored, in an order where each step can use what the one
    before it made (re-upload first, so albums are refilled with the new ids); a step that
    fails is reported and never stops the others. Returns what failed."""
    steps: list[tuple[str, Callable[[], None]]] = [
        ("re-upload", lambda: _reupload(work, library, client, connection, findings)),
        ("restore from trash", lambda: _untrash(client, findings)),
        ("re-link Live Photos", lambda: _relink(client, connection, findings)),
        ("merge twin albums", lambda: _merge_twins(client, connection, _of(findings, TWICE))),
        ("refill albums", lambda: _refill(library, client, connection, findings)),
        ("give tags back", lambda: _retag(client, connection, findings)),
        ("restack", lambda: _restack(client, connection, findings)),
        ("send dates again", lambda: _redate(client, connection, findings)),
        ("take doubled faces off", lambda: _unface(client, connection, findings)),
    ]
    failed = []
    for name, step in steps:
        try:
            step()
        except ImmichAuthError:
            raise
        except PhotosSyncError as error:
            failed.append(f"{name}: {error.message}")
    return failed


TWICE = (Problem.ALBUM_TWICE,)


def _redate(client: ImmichClient, connection: sqlite3.Connection, findings: list[Finding]) -> None:
    """Photos' date, as the tracker says it was sent, sent again (a sidecar rewrite each)."""
    wrong = {f.uuid for f in _of(findings, (Problem.DATE_DIFFERS,))}
    for row in imported(connection) if wrong else []:
        if row.uuid in wrong and row.immich_id and row.applied.get("date"):
            client.update_asset(row.immich_id, dateTimeOriginal=row.applied["date"])


def _of(findings: list[Finding], problems: tuple[Problem, ...]) -> list[Finding]:
    return [f for f in findings if f.problem in problems]


def _reupload(
    work: Workspace,
    library: PhotosLibrary,
    client: ImmichClient,
    connection: sqlite3.Connection,
    findings: list[Finding],
) -> None:
    """Gone from the server, or the recorded id holds another file: upload (or find by
    checksum) the library's file again and record the id that really holds it; its albums,
    tags and stacks follow (now, or on the next sync). What went with the new uploads in
    their sidecars (keywords, descriptions, dates) is on them only once Immich has read
    them, so this waits for that (bounded) before the check that follows the repair."""
    missing = [f.uuid for f in _of(findings, (Problem.MISSING, Problem.SERVER_DIFFERS))]
    if not missing:
        return
    reset_to_pending(connection, missing)
    options = ImportOptions(only=frozenset(missing))
    metadata = metadata_options(Choices.from_stored(stored_choices(connection)))
    _, plan = plan_library_import(library, connection, options, metadata=metadata, client=client)
    summary = run_plan(work, client, connection, plan, options)
    if summary.uploads_began is not None:
        ids = immich_ids(connection)
        again = {ids[uuid] for uuid in missing if uuid in ids}
        wait_for_extraction(client, again, summary.uploads_began)


def _untrash(client: ImmichClient, findings: list[Finding]) -> None:
    trashed = [f.immich_id for f in _of(findings, (Problem.TRASHED,))]
    if trashed:
        client.restore_from_trash(trashed)


def _relink(client: ImmichClient, connection: sqlite3.Connection, findings: list[Finding]) -> None:
    unlinked = {f.uuid for f in _of(findings, (Problem.NOT_LINKED, Problem.NO_MOTION_VIDEO))}
    if unlinked:
        tasks = [
            t for t in paired_video_tasks(connection, only_unlinked=False) if t[0].uuid in unlinked
        ]
        repair_paired_videos(client, connection, tasks, RepairSummary())


def _refill(
    library: PhotosLibrary,
    client: ImmichClient,
    connection: sqlite3.Connection,
    findings: list[Finding],
) -> None:
    """Albums lacking assets get them, with the ids the tracker holds now (after any
    re-upload): one album that refuses does not stop the others."""
    albums = _of(findings, (Problem.ALBUM_DIFFERS,))
    if not albums:
        return
    expected = _expected_albums(library, connection, imported(connection))
    refused = []
    for finding in albums:
        try:
            client.add_to_album(finding.immich_id, sorted(expected[finding.uuid][2]))
        except ImmichRejected as error:
            refused.append(f"{finding.filename}: {error.server_message}")
    if refused:
        raise PhotosSyncError("; ".join(refused))


def _restack(client: ImmichClient, connection: sqlite3.Connection, findings: list[Finding]) -> None:
    """Make each broken stack again from the tracker's members, with the ids it holds now
    (after any re-upload); Immich merges a stack whose cover is among them."""
    covers = {f.uuid for f in _of(findings, (Problem.STACK_DIFFERS,))}
    if not covers:
        return
    ids = _member_ids(imported(connection))
    for key, members in stacks(connection).items():
        if members and members[0].split(":")[0] in covers:
            stack_id = client.create_stack([ids[m] for m in members if m in ids])
            record_stack(connection, key, stack_id, members)


@dataclass(frozen=True)
class VerifyOutcome:
    findings: list[Finding]
    checked: int
    fixed: int = 0
    failed: list[str] = field(default_factory=list)  # repair steps that could not finish

    def to_json(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "fixed": self.fixed,
            "repairs_failed": self.failed,
            "differences": [f.to_json() for f in self.findings],
        }


def verify_library(work: Workspace, *, deep: bool, repair: bool) -> VerifyOutcome:
    """Check; with ``repair``, fix what can be fixed and check again."""
    library = work.open_library()
    with work.immich_client() as client, work.tracker("verify") as connection:
        connect(client, work.feedback, NEEDED_TO_FIX if repair else NEEDED_TO_VERIFY)
        bind(client, connection, work.feedback)
        findings, checked = check(work, library, client, connection, deep)
        if not (repair and findings):
            return VerifyOutcome(findings, checked)
        before = len(findings)
        repairable = [f for f in findings if f.problem in FIXABLE]
        failed = fix(work, library, client, connection, repairable)
        findings, checked = check(work, library, client, connection, deep)
        return VerifyOutcome(findings, checked, before - len(findings), failed)

"""Putting planned assets into Immich, recording each outcome as soon as it is known.

The work goes in chunks: hash the chunk's files (SHA-1, once each), ask the server in one
``bulk-upload-check`` which it holds already, then upload the rest, ``concurrency`` at a
time. A file the server already has is never sent again: its Immich id is adopted. That is
also what makes a killed run safe to repeat: whatever it uploaded is found by checksum.

A Live Photo's motion video goes first (hidden), then the still with ``livePhotoVideoId``;
if the still was already there, the link is made with an update instead. The original
carries what Photos says of it (description, date, place, keywords) as an XMP sidecar,
which Immich reads with the file: nothing of it needs a request after the upload.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from photos_sync.errors import FileChangedError, ImmichAuthError, ImmichError, ImmichRejected
from photos_sync.immich.client import ImmichClient
from photos_sync.immich.records import Existing, UploadFields
from photos_sync.plan.importing import (
    CLOUD_ONLY,
    FILE_MISSING,
    ImportPlan,
    ImportTask,
)
from photos_sync.plan.metadata import NewFace
from photos_sync.source.bridge import PhotosBridge
from photos_sync.source.records import Availability, Resource
from photos_sync.track.assets import (
    AssetStatus,
    record_imported,
    record_problem,
    record_sending,
    sent_before,
)
from photos_sync.upload.checksum import sha1_of
from photos_sync.upload.downloads import Downloader
from photos_sync.upload.sidecars import export_sidecars
from photos_sync.upload.xmp import xmp_packet

log = logging.getLogger(__name__)

CHUNK = 50  # assets hashed and checked together; the next chunk hashes during uploads
FIRST_CHUNK = 4  # so the first uploads start after hashing a few files, not fifty
UNSUPPORTED = "Unsupported file type"
MOTION_VIDEO_MISSING = "imported without its motion video (not on disk in the library)"


@dataclass(frozen=True)
class Hashed:
    sha1: str
    size: int


@dataclass(frozen=True)
class AssetResult:
    """How one asset ended."""

    task: ImportTask
    status: AssetStatus
    reason: str | None = None  # why skipped/failed; a note when imported
    immich_id: str | None = None
    already_there: bool = False
    ours: bool = False  # found by checksum, but photos-sync had sent it (an answer lost)
    motion_video_id: str | None = None
    sha1: str | None = None
    size: int = 0
    bytes_sent: int = 0
    sidecars: list[str] | None = None
    companions: dict[str, str] | None = None  # "raw"/"edited" -> Immich id
    faces: tuple[NewFace, ...] = ()  # placed through the API once the original was uploaded


@dataclass
class ImportSummary:
    planned: int = 0
    uploaded: int = 0
    already_in_immich: int = 0
    live_photos_linked: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    bytes_sent: int = 0
    seconds: float = 0.0
    interrupted: bool = False
    deferred: int = 0
    people_created: int = 0  # before the uploads, so that their faces went with them
    faces_sent: int = 0  # named faces that went with the uploads (sidecar or API)
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def uploads_began(self) -> datetime | None:
        """When the run began, if it uploaded anything: Immich is still reading what came
        after that, and the metadata for it waits until it has."""
        return self.started_at if self.uploaded else None

    @property
    def imported(self) -> int:
        return self.uploaded + self.already_in_immich

    @property
    def ok(self) -> bool:
        return not self.failed and not self.interrupted

    def add(self, result: AssetResult) -> None:
        if result.status is AssetStatus.IMPORTED:
            if result.already_there:
                self.already_in_immich += 1
            else:
                self.uploaded += 1
            if result.motion_video_id:
                self.live_photos_linked += 1
            if not result.already_there:
                self.faces_sent += len(result.faces) + len(result.task.sidecar.faces)
        elif result.status is AssetStatus.SKIPPED:
            self.skipped[result.reason or "?"] += 1
        else:
            self.failed[result.reason or "?"] += 1
        self.bytes_sent += result.bytes_sent

    def to_json(self) -> dict[str, Any]:
        return {
            "planned": self.planned,
            "imported": self.imported,
            "uploaded": self.uploaded,
            "already_in_immich": self.already_in_immich,
            "live_photos_linked": self.live_photos_linked,
            "people_created": self.people_created,
            "faces_sent": self.faces_sent,
            "skipped": sum(self.skipped.values()),
            "failed": sum(self.failed.values()),
            "skipped_by_reason": dict(self.skipped),
            "failed_by_reason": dict(self.failed),
            "bytes_sent": self.bytes_sent,
            "seconds": round(self.seconds, 3),
            "interrupted": self.interrupted,
            "deferred_by_limit": self.deferred,
        }


Reporter = Callable[[AssetResult], None]


def _applied(result: AssetResult) -> dict[str, Any] | None:
    """What the upload itself told Immich: its flags, and what its sidecar carried. A file
    the server had already (a duplicate) kept the server's own values: None, so they are
    read there (adoption). One an earlier run of ours sent, its answer lost, counts only
    its flags: that run may have been of a version that sent no sidecar."""
    if result.already_there and not result.ours:
        return None
    flags = {"favorite": result.task.favorite, "hidden": bool(result.task.visibility)}
    if result.already_there:
        return flags
    placed = {"faces": sorted(list(face.record) for face in result.faces)} if result.faces else {}
    return {**result.task.carried, **placed, **flags}


def _unavailable_reason(resource: Resource) -> str:
    if resource.availability is Availability.CLOUD:
        return CLOUD_ONLY
    return FILE_MISSING


def _chunks(tasks: Sequence[ImportTask], size: int) -> Iterator[Sequence[ImportTask]]:
    """Chunks of ``size``, after a first one of a few: the first uploads wait for their
    chunk to be hashed, and 50 phone photos take a fifth of a second to hash."""
    start = 0
    first = min(size, FIRST_CHUNK)
    while start < len(tasks):
        end = start + (first if start == 0 else size)
        yield tasks[start:end]
        start = end


def _metadata(task: ImportTask, part: str) -> dict[str, Any]:
    return {"photosUuid": task.uuid, "part": part}


def upload_fields(task: ImportTask, filename: str, **extra: Any) -> UploadFields:
    """What Immich is told with every file of an asset: a name, Photos' dates, its UUID."""
    return UploadFields(
        filename=filename,
        created_at=task.created_at,
        modified_at=task.modified_at,
        device_asset_id=task.uuid,
        favorite=task.favorite,
        **extra,
    )


def motion_video_fields(task: ImportTask) -> UploadFields:
    """A Live Photo's video: hidden, since Immich shows it through its still."""
    return upload_fields(
        task, task.video_filename, visibility="hidden", metadata=_metadata(task, "paired_video")
    )


class Importer:
    """Runs an :class:`ImportPlan` against one Immich server and one tracker."""

    def __init__(
        self,
        client: ImmichClient,
        connection: sqlite3.Connection,
        sidecar_root: Path,
        *,
        concurrency: int = 1,
        delay: float = 0.0,
        report: Reporter | None = None,
        stop: threading.Event | None = None,
        bridge: PhotosBridge | None = None,
    ) -> None:
        self.client = client
        self.connection = connection
        self.sidecar_root = sidecar_root
        self.concurrency = max(1, concurrency)
        self.delay = delay
        self.report = report or (lambda result: None)
        self.stop = stop or threading.Event()
        self.downloader = (
            Downloader(bridge, sidecar_root.parent / "downloads", delay, self.stop, delay)
            if bridge is not None
            else None
        )

    # -- the run -------------------------------------------------------------------------

    def run(self, plan: ImportPlan) -> ImportSummary:
        started = time.monotonic()
        summary = ImportSummary(
            planned=len(plan.tasks), deferred=plan.deferred, people_created=plan.people_created
        )
        log.info(
            "import plan: %d to upload, %d skipped, %d left for later by --limit",
            len(plan.tasks),
            len(plan.skips),
            plan.deferred,
        )
        for skip in plan.skips:
            log.info("skipped %s (%s): %s", skip.uuid, skip.filename, skip.reason)
            record_problem(self.connection, skip.uuid, AssetStatus.SKIPPED, skip.reason)
            summary.skipped[skip.reason] += 1
        with (
            ThreadPoolExecutor(self.concurrency, thread_name_prefix="upload") as pool,
            ThreadPoolExecutor(1, thread_name_prefix="hash") as hasher,
        ):
            self._upload(pool, self._prepared(plan.tasks, hasher), summary)
        summary.interrupted = self.stop.is_set()
        summary.seconds = time.monotonic() - started
        return summary

    def _record(self, result: AssetResult, summary: ImportSummary) -> None:
        if result.status is AssetStatus.IMPORTED:
            assert result.immich_id is not None and result.sha1 is not None
            record_imported(
                self.connection,
                result.task.uuid,
                immich_id=result.immich_id,
                sha1=result.sha1,
                file_size=result.size,
                motion_video_immich_id=result.motion_video_id,
                cinematic_sidecars=result.sidecars,
                note=result.reason,
                applied=_applied(result),
                companions=result.companions,
                uploaded=not result.already_there or result.ours,
            )
            how = "found on the server by checksum" if result.already_there else "uploaded"
            log.info(
                "imported %s (%s): %s as %s",
                result.task.uuid,
                result.task.filename,
                how,
                result.immich_id,
            )
        else:
            reason = result.reason or "?"
            log.info(
                "%s %s (%s): %s",
                result.status.value,
                result.task.uuid,
                result.task.filename,
                reason,
            )
            record_problem(self.connection, result.task.uuid, result.status, reason)
        summary.add(result)
        self.report(result)

    # -- hashing and checking ------------------------------------------------------------

    def _hash(self, chunk: Sequence[ImportTask]) -> dict[str, Hashed | OSError]:
        """SHA-1 of every local file of the chunk, by key (uuid, or uuid + ':video')."""
        files: dict[str, Path] = {}
        for task in chunk:
            if task.original.path is not None:
                files[task.uuid] = task.original.path
            if task.paired_video is not None and task.paired_video.path is not None:
                files[f"{task.uuid}:video"] = task.paired_video.path

        def hash_one(path: Path) -> Hashed | OSError:
            try:
                return Hashed(*sha1_of(path))
            except OSError as error:
                return error

        return {key: hash_one(path) for key, path in files.items()}

    def _check(self, hashes: dict[str, Hashed | OSError]) -> dict[str, Existing]:
        pairs = [(key, h.sha1) for key, h in hashes.items() if isinstance(h, Hashed) and h.size]
        found = self.client.bulk_upload_check(pairs) if pairs else {}
        there = sum(1 for existing in found.values() if existing.asset_id)
        log.debug("checked %d files by checksum: %d already on the server", len(pairs), there)
        return found

    def _own_uploads(
        self,
        tasks: Sequence[ImportTask],
        hashes: dict[str, Hashed | OSError],
        existing: dict[str, Existing],
    ) -> dict[str, Existing]:
        """Write down, before they go, the originals about to be uploaded; and mark the
        ones found on the server that an earlier run had begun to send (its answer lost to
        a kill), so that they are taken as photos-sync's own uploads, not adopted."""
        sha1s = {t.uuid: h.sha1 for t in tasks if isinstance(h := hashes.get(t.uuid), Hashed)}
        there = {uuid for uuid, found in existing.items() if found.asset_id}
        sent = sent_before(self.connection, [uuid for uuid in sha1s if uuid in there])
        marked = dict(existing)
        for uuid, sha1 in sent.items():
            if sha1s.get(uuid) == sha1:
                marked[uuid] = replace(existing[uuid], sent_by_us=True)
        going = {uuid: sha1 for uuid, sha1 in sha1s.items() if uuid not in there}
        if going:
            record_sending(self.connection, going)
        return marked

    # -- uploading -----------------------------------------------------------------------

    def _fetch_and_hash(
        self, chunk: Sequence[ImportTask]
    ) -> tuple[list[ImportTask], list[AssetResult], dict[str, Hashed | OSError]]:
        """Download the chunk's iCloud-only parts (through the bridge), then hash it."""
        ready: list[ImportTask] = []
        done: list[AssetResult] = []
        for task in chunk:
            if task.needs_download and self.downloader is not None and not self.stop.is_set():
                fetched = self.downloader.fetch(task)
                if isinstance(fetched, tuple):
                    status, reason = fetched
                    done.append(AssetResult(task, AssetStatus(status), reason))
                    continue
                task = fetched
            ready.append(task)
        return ready, done, self._hash(ready)

    def _prepared(
        self, tasks: Sequence[ImportTask], hasher: ThreadPoolExecutor
    ) -> Iterator[
        tuple[ImportTask, dict[str, Hashed | OSError], dict[str, Existing]] | AssetResult
    ]:
        """Each task with its chunk's checksums and what the server already holds (or its
        result, when its download failed).

        The next chunk is fetched and hashed while this one uploads, so disk, iCloud and
        network stay busy.
        """
        chunks = list(_chunks(tasks, CHUNK))
        upcoming = hasher.submit(self._fetch_and_hash, chunks[0]) if chunks else None
        for index in range(len(chunks)):
            assert upcoming is not None
            ready, done, hashes = upcoming.result()
            following = index + 1 < len(chunks)
            upcoming = hasher.submit(self._fetch_and_hash, chunks[index + 1]) if following else None
            yield from done
            existing = self._own_uploads(ready, hashes, self._check(hashes))
            for task in ready:
                yield task, hashes, existing

    def _upload(
        self,
        pool: ThreadPoolExecutor,
        prepared: Iterator[
            tuple[ImportTask, dict[str, Hashed | OSError], dict[str, Existing]] | AssetResult
        ],
        summary: ImportSummary,
    ) -> None:
        """Keep ``concurrency`` uploads in flight; record each result as it comes."""
        in_flight: set[Future[AssetResult]] = set()
        try:
            for item in prepared:
                if self.stop.is_set():
                    break
                if isinstance(item, AssetResult):
                    self._record(item, summary)
                    continue
                task, hashes, existing = item
                in_flight.add(pool.submit(self._import_one, task, hashes, existing))
                if len(in_flight) >= self.concurrency:
                    done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                    for future in done:
                        self._record(future.result(), summary)
        finally:
            for future in in_flight:  # let what is in flight finish, and record it
                with contextlib.suppress(ImmichAuthError):  # the first one is raised already
                    self._record(future.result(), summary)

    def _import_one(
        self, task: ImportTask, hashes: dict[str, Hashed | OSError], existing: dict[str, Existing]
    ) -> AssetResult:
        try:
            return self._import_local(task, hashes, existing)
        finally:
            if self.downloader is not None:
                self.downloader.forget(task)  # downloaded parts go once uploaded (or failed)

    def _import_local(
        self, task: ImportTask, hashes: dict[str, Hashed | OSError], existing: dict[str, Existing]
    ) -> AssetResult:
        hashed = hashes.get(task.uuid)
        if task.original.path is None or isinstance(hashed, FileNotFoundError):
            return AssetResult(task, AssetStatus.SKIPPED, _unavailable_reason(task.original))
        if isinstance(hashed, OSError) or hashed is None:
            reason = hashed.strerror if isinstance(hashed, OSError) else "not hashed"
            return AssetResult(task, AssetStatus.FAILED, f"cannot read the file: {reason}")
        if hashed.size == 0:
            return AssetResult(task, AssetStatus.SKIPPED, "the file is empty (0 bytes)")
        try:
            return self._send(task, hashed, hashes, existing)
        except ImmichRejected as refused:
            if refused.server_message.startswith(UNSUPPORTED):
                reason = f"Immich does not accept this file type ({refused.server_message})"
                return AssetResult(task, AssetStatus.SKIPPED, reason)
            return AssetResult(task, AssetStatus.FAILED, refused.message)
        except ImmichAuthError:
            self.stop.set()
            raise
        except (ImmichError, FileChangedError) as error:
            return AssetResult(task, AssetStatus.FAILED, error.message)
        except OSError as error:
            return AssetResult(task, AssetStatus.FAILED, f"cannot read the file: {error.strerror}")

    def _motion_video(
        self, task: ImportTask, hashes: dict[str, Hashed | OSError], existing: dict[str, Existing]
    ) -> tuple[str | None, int, str | None]:
        """(video id, bytes sent, note) for a Live Photo's motion part; never fails the still."""
        if task.paired_video is None or task.paired_video.path is None:
            return None, 0, (MOTION_VIDEO_MISSING if task.has_paired_video else None)
        key = f"{task.uuid}:video"
        hashed = hashes.get(key)
        if not isinstance(hashed, Hashed) or hashed.size == 0:
            return None, 0, "motion video not readable; imported the still alone"
        found = existing.get(key)
        if found is not None and found.asset_id:
            return found.asset_id, 0, None
        try:
            uploaded = self.client.upload(
                task.paired_video.path,
                motion_video_fields(task),
                hashed.sha1,
            )
        except ImmichRejected as refused:
            return None, 0, f"motion video refused ({refused.server_message}); still alone"
        return uploaded.id, 0 if uploaded.duplicate else hashed.size, None

    def _send(
        self,
        task: ImportTask,
        hashed: Hashed,
        hashes: dict[str, Hashed | OSError],
        existing: dict[str, Existing],
    ) -> AssetResult:
        assert task.original.path is not None
        video_id, sent, note = self._motion_video(task, hashes, existing)
        found = existing.get(task.uuid)
        ours = False
        if found is not None and found.asset_id:
            still_id, already_there, ours = found.asset_id, True, found.sent_by_us
        else:
            uploaded = self.client.upload(
                task.original.path,
                upload_fields(
                    task,
                    task.filename,
                    visibility=task.visibility,
                    live_photo_video_id=video_id,
                    metadata=_metadata(task, "original"),
                    sidecar=None if task.sidecar.empty else xmp_packet(task.sidecar),
                ),
                hashed.sha1,
            )
            still_id, already_there = uploaded.id, uploaded.duplicate
            sent += 0 if uploaded.duplicate else hashed.size
        if video_id and already_there:
            self.client.update_asset(still_id, livePhotoVideoId=video_id)
        faces = () if already_there else self._place_faces(task, still_id)
        companions, companion_bytes, companion_note = self._companions(task)
        sent += companion_bytes
        note = "; ".join(n for n in (note, companion_note) if n) or None
        sidecars = export_sidecars(task, self.sidecar_root) if task.sidecars else None
        return AssetResult(
            task,
            AssetStatus.IMPORTED,
            reason=note,
            immich_id=still_id,
            already_there=already_there,
            ours=ours,
            motion_video_id=video_id,
            sha1=hashed.sha1,
            size=hashed.size,
            bytes_sent=sent,
            sidecars=sidecars,
            companions=companions or None,
            faces=faces,
        )

    def _place_faces(self, task: ImportTask, asset_id: str) -> tuple[NewFace, ...]:
        """Place a new upload's named faces at once, while the other uploads go on (the
        server does not import faces from sidecars): the faces placed. A new asset holds no
        face yet, so none is placed twice; Immich's reading of the file leaves faces placed
        through the API alone (it replaces only those it imported itself: metadata.service.ts,
        applyTaggedFaces). A refusal or an
        error leaves the rest to the metadata step, and never fails the upload."""
        placed: list[NewFace] = []
        for face in task.faces:
            try:
                self.client.create_face(asset_id, face.person_id, face.size, face.pixels)
            except ImmichError as error:
                log.info("face on %s left for the metadata step: %s", task.uuid, error.message)
                break
            placed.append(face)
        return tuple(placed)

    def _edited_motion(self, task: ImportTask) -> tuple[str | None, int]:
        """An edited Live Photo's edited motion video, uploaded hidden before its edited
        still, so the edited copy in Immich is a Live Photo too: (its id, bytes sent)."""
        video = task.edited_video
        if video is None or video.path is None:
            return None, 0
        sha1, size = sha1_of(video.path)
        fields = upload_fields(
            task,
            task.companion_filename("edited", video),
            visibility="hidden",
            metadata=_metadata(task, "edited_video"),
        )
        uploaded = self.client.upload(video.path, fields, sha1)
        return uploaded.id, 0 if uploaded.duplicate else size

    def _companions(self, task: ImportTask) -> tuple[dict[str, str], int, str | None]:
        """Upload the RAW and edited renderings that go in a stack with the original; a
        failure here is noted, it does not fail the asset."""
        found: dict[str, str] = {}
        sent = 0
        problems = []
        for role, resource in task.companions:
            assert resource.path is not None
            try:
                motion, motion_bytes = self._edited_motion(task) if role == "edited" else (None, 0)
                sent += motion_bytes
                sha1, size = sha1_of(resource.path)
                uploaded = self.client.upload(
                    resource.path,
                    upload_fields(
                        task,
                        task.companion_filename(role, resource),
                        visibility=task.visibility,
                        live_photo_video_id=motion,
                        metadata=_metadata(task, role),
                    ),
                    sha1,
                )
            except ImmichRejected as refused:
                problems.append(f"{role} not uploaded ({refused.server_message})")
                continue
            except OSError as error:
                problems.append(f"{role} not readable ({error.strerror})")
                continue
            found[role] = uploaded.id
            sent += 0 if uploaded.duplicate else size
        return found, sent, "; ".join(problems) or None

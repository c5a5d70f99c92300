"""Fetching iCloud-only parts through the Photos bridge before an upload.

Each asset's parts go to ``<data>/downloads/<uuid>/`` and are removed once it is uploaded.
Photos' "error 3169" (iCloud busy) is retried with back-off, then recorded as a failure to
retry later (``review --retry --include-cloud``); an asset with no data at all is an orphan,
skipped with the original tool's reason "No resource found".
"""

from __future__ import annotations

import dataclasses
import shutil
import threading
import time
from pathlib import Path

from photos_sync.plan.importing import ImportTask
from photos_sync.source.bridge import NO_RESOURCE, BridgeError, PhotosBridge
from photos_sync.source.records import Availability, Resource, ResourceKind

TRANSIENT_TRIES = 3


class Downloader:
    def __init__(
        self,
        bridge: PhotosBridge,
        root: Path,
        delay: float,
        stop: threading.Event,
        first_wait: float = 5.0,  # the first back-off after iCloud's "busy" (doubles)
    ) -> None:
        self.bridge = bridge
        self.root = root
        self.delay = delay  # seconds between downloads, to be gentle with iCloud
        self.stop = stop
        self.first_wait = first_wait
        self._last = 0.0

    def _pause(self) -> None:
        wait_for = self._last + self.delay - time.monotonic()
        if wait_for > 0:
            self.stop.wait(wait_for)
        self._last = time.monotonic()

    def fetch(self, task: ImportTask) -> ImportTask | tuple[str, str]:
        """The task with its cloud parts on disk, or ("failed"|"skipped", reason)."""
        wanted = [
            kind
            for kind, part in (
                (ResourceKind.ORIGINAL, task.original),
                (ResourceKind.PAIRED_VIDEO, task.paired_video),
            )
            if part is not None and part.availability is Availability.CLOUD
        ]
        folder = self.root / task.uuid
        for attempt in range(TRANSIENT_TRIES):
            self._pause()
            try:
                written = self.bridge.download(task.uuid, wanted, folder)
                break
            except BridgeError as error:
                if error.orphan:
                    return "skipped", NO_RESOURCE
                if not error.transient or attempt == TRANSIENT_TRIES - 1:
                    return (
                        "failed",
                        f"{error.message} (retry later: review --retry --include-cloud)",
                    )
                self.stop.wait(self.first_wait * 2**attempt)
        original = task.original
        if ResourceKind.ORIGINAL in written:
            original = Resource(
                ResourceKind.ORIGINAL, Availability.LOCAL, written[ResourceKind.ORIGINAL]
            )
        video = task.paired_video
        if ResourceKind.PAIRED_VIDEO in written:
            video = Resource(
                ResourceKind.PAIRED_VIDEO, Availability.LOCAL, written[ResourceKind.PAIRED_VIDEO]
            )
        return dataclasses.replace(task, original=original, paired_video=video)

    def forget(self, task: ImportTask) -> None:
        shutil.rmtree(self.root / task.uuid, ignore_errors=True)

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
from photos_sync.source.records import Availability, Resource

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
        wanted = [part.kind for part in task.parts if part.availability is Availability.CLOUD]
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

        def here(part: Resource) -> Resource:
            if part.availability is Availability.CLOUD and part.kind in written:
                return Resource(part.kind, Availability.LOCAL, written[part.kind])
            return part

        return dataclasses.replace(
            task,
            original=here(task.original),
            paired_video=here(task.paired_video) if task.paired_video is not None else None,
            # a sidecar Photos could not give is left out, not kept without a file
            sidecars=tuple(
                part for part in map(here, task.sidecars) if part.availability is Availability.LOCAL
            ),
        )

    def forget(self, task: ImportTask) -> None:
        shutil.rmtree(self.root / task.uuid, ignore_errors=True)

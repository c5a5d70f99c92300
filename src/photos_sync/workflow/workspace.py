"""What the work of a command runs on: the settings, and from them the library, the Immich
client and the tracker; with the feedback to report through."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from photos_sync.config import WHERE_SETTINGS_GO, Settings
from photos_sync.errors import ConfigError
from photos_sync.source.library import PhotosLibrary, resolve_library_path
from photos_sync.track.database import damage_named, make_private, open_tracker
from photos_sync.track.lock import LOCK_NAME, DataDirLock
from photos_sync.workflow.feedback import Feedback

if TYPE_CHECKING:  # the client is imported where one is made: see immich_client
    from photos_sync.immich.client import ImmichClient


@dataclass
class Workspace:
    settings: Settings
    feedback: Feedback

    def immich_client(self) -> ImmichClient:
        """A client for the configured server; a clear error when it is not configured.
        Imported here rather than with the module: httpx is a tenth of a second of every
        start, and a backup or a restore talks to Immich only to ask for a dump."""
        from photos_sync.immich.client import ImmichClient, RetryPolicy

        settings = self.settings
        if not settings.immich_url:
            raise ConfigError("IMMICH_URL is not set", WHERE_SETTINGS_GO)
        if settings.immich_api_key is None:
            raise ConfigError(
                "IMMICH_API_KEY is not set",
                "Run `photos-sync setup`, or make a key in Immich (Account Settings > API"
                " Keys) and set IMMICH_API_KEY",
            )
        return ImmichClient(
            settings.immich_url,
            settings.immich_api_key.get_secret_value(),
            timeout=settings.immich_timeout,
            retry=RetryPolicy(
                attempts=settings.immich_retries, first_wait=settings.immich_retry_wait
            ),
        )

    def open_library(self) -> PhotosLibrary:
        return PhotosLibrary(resolve_library_path(self.settings.photos_library))

    @contextmanager
    def tracker(self, command: str, lock: str = LOCK_NAME) -> Iterator[sqlite3.Connection]:
        """The tracker for writing, holding a lock of the data folder while it is open (the
        main one, or another for work that may run beside an import)."""
        note = make_private(self.settings.data_dir)
        if note:
            self.feedback.warn(note)
        with DataDirLock(self.settings.data_dir, command, name=lock):
            connection = open_tracker(self.settings.tracker_path)
            try:
                with damage_named(self.settings.tracker_path):
                    yield connection
            finally:
                connection.close()

"""A stand-in for the macOS Photos bridge (PhotoKit), for Linux tests: it "downloads" bytes
the test gives it, answers iCloud's error 3169 as often as told, knows orphans, and records
deletions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from photos_sync.source.bridge import ICLOUD_BUSY, NO_RESOURCE, BridgeError
from photos_sync.source.records import ResourceKind


@dataclass
class FakeBridge:
    files: dict[str, bytes] = field(default_factory=dict)  # uuid -> the original's bytes
    busy: dict[str, int] = field(default_factory=dict)  # uuid -> how many 3169s first
    orphans: set[str] = field(default_factory=set)
    downloads: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    def download(
        self, uuid: str, kinds: Sequence[ResourceKind], folder: Path
    ) -> dict[ResourceKind, Path]:
        self.downloads.append(uuid)
        if uuid in self.orphans or uuid not in self.files:
            raise BridgeError(NO_RESOURCE, orphan=True)
        if self.busy.get(uuid, 0) > 0:
            self.busy[uuid] -= 1
            raise BridgeError(f"PHPhotosErrorDomain error {ICLOUD_BUSY}", transient=True)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{uuid}.jpeg"
        target.write_bytes(self.files[uuid])
        return {ResourceKind.ORIGINAL: target}

    def delete(self, uuids: Sequence[str]) -> int:
        self.deleted.extend(uuids)
        return len(uuids)

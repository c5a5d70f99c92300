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
    parts: dict[tuple[str, ResourceKind], bytes] = field(default_factory=dict)  # other kinds
    busy: dict[str, int] = field(default_factory=dict)  # uuid -> how many 3169s first
    orphans: set[str] = field(default_factory=set)
    downloads: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    def download(
        self, uuid: str, kinds: Sequence[ResourceKind], folder: Path
    ) -> dict[ResourceKind, Path]:
        self.downloads.append(uuid)
        wants_original = ResourceKind.ORIGINAL in kinds
        if uuid in self.orphans or (wants_original and uuid not in self.files):
            raise BridgeError(NO_RESOURCE, orphan=True)
        if self.busy.get(uuid, 0) > 0:
            self.busy[uuid] -= 1
            raise BridgeError(f"PHPhotosErrorDomain error {ICLOUD_BUSY}", transient=True)
        folder.mkdir(parents=True, exist_ok=True)
        found = {(uuid, ResourceKind.ORIGINAL): self.files[uuid]} if wants_original else {}
        found.update({key: data for key, data in self.parts.items() if key[0] == uuid})
        written = {}
        for (_, kind), data in found.items():
            if kind in kinds:  # named as PhotoKit names them: the resource's own file name
                written[kind] = folder / f"{uuid}-{kind.value}.bin"
                written[kind].write_bytes(data)
        return written

    def delete(self, uuids: Sequence[str]) -> int:
        self.deleted.extend(uuids)
        return len(uuids)

"""The Photos bridge on macOS, through PhotoKit (pyobjc's Photos framework).

Imported only on a Mac (``bridge.photos_bridge``); importing it elsewhere fails with one
clear line. Downloads allow network access (iCloud), are written by
``PHAssetResourceManager`` straight to files, and wait for PhotoKit's completion handler.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from photos_sync.errors import PhotosSyncError
from photos_sync.source.bridge import ICLOUD_BUSY, NEEDS_MACOS, NO_RESOURCE, BridgeError
from photos_sync.source.records import ResourceKind

if sys.platform != "darwin":  # pragma: no cover - the guard is what is tested on Linux
    raise PhotosSyncError(f"The Photos bridge {NEEDS_MACOS[0]}", NEEDS_MACOS[1])

import Photos  # pyobjc-framework-Photos, macOS only

DOWNLOAD_TIMEOUT = 600.0
AUTHORIZED = 3  # PHAuthorizationStatusAuthorized
# PHAssetResourceType values for the parts we fetch.
RESOURCE_TYPES = {
    ResourceKind.ORIGINAL: (1, 2),  # photo, video
    ResourceKind.PAIRED_VIDEO: (9,),  # pairedVideo
    ResourceKind.AAE: (5,),  # adjustmentData
    ResourceKind.EDITED: (6, 7),  # fullSizePhoto, fullSizeVideo
    ResourceKind.RAW: (4,),  # alternatePhoto
}


def _require_access() -> None:
    status = Photos.PHPhotoLibrary.authorizationStatusForAccessLevel_(2)  # readWrite
    if status != AUTHORIZED:
        raise PhotosSyncError(
            "photos-sync has no access to your Photos library",
            "Allow it in System Settings > Privacy & Security > Photos, then run again",
        )


def _asset(uuid: str) -> Any:
    found = Photos.PHAsset.fetchAssetsWithLocalIdentifiers_options_([f"{uuid}/L0/001"], None)
    if found.count() == 0:
        raise BridgeError(NO_RESOURCE, orphan=True)
    return found.firstObject()


def _write(resource: Any, target: Path) -> None:
    options = Photos.PHAssetResourceRequestOptions.alloc().init()
    options.setNetworkAccessAllowed_(True)
    done = threading.Event()
    failure: list[Any] = []

    def finished(error: Any) -> None:
        if error is not None:
            failure.append(error)
        done.set()

    Photos.PHAssetResourceManager.defaultManager().writeDataForAssetResource_toFile_options_completionHandler_(
        resource, Photos.NSURL.fileURLWithPath_(str(target)), options, finished
    )
    if not done.wait(DOWNLOAD_TIMEOUT):
        raise BridgeError("iCloud download timed out", transient=True)
    if failure:
        error = failure[0]
        code = int(error.code())
        raise BridgeError(f"PHPhotosErrorDomain error {code}", transient=code == ICLOUD_BUSY)


class PhotoKitBridge:
    def download(
        self, uuid: str, kinds: Sequence[ResourceKind], folder: Path
    ) -> dict[ResourceKind, Path]:
        _require_access()
        resources = Photos.PHAssetResource.assetResourcesForAsset_(_asset(uuid))
        if not resources:
            raise BridgeError(NO_RESOURCE, orphan=True)
        folder.mkdir(parents=True, exist_ok=True)
        written: dict[ResourceKind, Path] = {}
        for kind in kinds:
            for resource in resources:
                if resource.type() in RESOURCE_TYPES[kind] and kind not in written:
                    target = folder / str(resource.originalFilename())
                    _write(resource, target)
                    written[kind] = target
        if ResourceKind.ORIGINAL in kinds and ResourceKind.ORIGINAL not in written:
            raise BridgeError(NO_RESOURCE, orphan=True)
        return written

    def delete(self, uuids: Sequence[str]) -> int:
        _require_access()
        ids = [f"{uuid}/L0/001" for uuid in uuids]
        assets = Photos.PHAsset.fetchAssetsWithLocalIdentifiers_options_(ids, None)
        library = Photos.PHPhotoLibrary.sharedPhotoLibrary()
        ok, error = library.performChangesAndWait_error_(
            lambda: Photos.PHAssetChangeRequest.deleteAssets_(assets), None
        )
        if not ok:
            raise BridgeError(f"Photos did not delete them ({error})")
        return int(assets.count())

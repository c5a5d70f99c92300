"""Immich's XMP sidecar rewrites, as far as what photos-sync sends depends on them.

Real Immich 3.1.0 rewrites an asset's sidecar after every tag change and every change of a
sidecar field (description, date, place), in a background job, five at once; the metadata
extraction that follows reads the sidecar back as the asset's fields and tags and touches
the asset (its ``updatedAt`` moves). Two rewrites of one asset in flight at once can land
in the wrong order: the older view wins and the newer change is lost (measured on the real
server: ``bench/sidecar_race.py``). A bulk update (``PUT /assets``, how favorites go)
starts a rewrite of every asset it names, whatever it changes.

The double models the worst case. With ``seconds`` at 0 (the default) a rewrite ends at
once; with ``seconds`` set, a rewrite ends that long after the change that started it, and
a change made while the asset's previous rewrite is still running is undone when it ends.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tests.support.immich_double.clock import now_iso

if TYPE_CHECKING:
    from tests.support.immich_double.state import Asset

FIELDS = ("description", "date_time_original", "latitude", "longitude")


def _view(asset: Asset) -> dict[str, Any]:
    return {**{name: getattr(asset, name) for name in FIELDS}, "tags": set(asset.tags)}


@dataclass
class Rewrite:
    ends: float  # time.monotonic()
    lands: dict[str, Any]  # what the sidecar holds once it ends


class Sidecars:
    """The rewrites in flight, by asset id. Call :meth:`settle` before reading the assets."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.running: dict[str, Rewrite] = {}
        self.races = 0  # changes lost to a rewrite that was still running

    def rewrite(self, asset: Asset) -> None:
        """A sidecar field or a tag of ``asset`` just changed (the caller holds the lock)."""
        if self.seconds <= 0:
            asset.updated_at = now_iso()
            return
        now = time.monotonic()
        running = self.running.get(asset.id)
        if running is not None and running.ends > now:
            self.races += 1  # the older view lands last
            self.running[asset.id] = Rewrite(now + self.seconds, running.lands)
        else:
            self.running[asset.id] = Rewrite(now + self.seconds, _view(asset))

    def settle(self, assets: dict[str, Asset]) -> None:
        """End the rewrites whose time has come: each asset takes what its sidecar holds."""
        now = time.monotonic()
        for asset_id, running in list(self.running.items()):
            if running.ends > now:
                continue
            del self.running[asset_id]
            asset = assets.get(asset_id)
            if asset is None:
                continue
            for name in FIELDS:
                setattr(asset, name, running.lands[name])
            asset.tags = set(running.lands["tags"])
            asset.updated_at = now_iso()

    def remaining(self) -> float:
        """Seconds until the last rewrite in flight ends."""
        ends = max((r.ends for r in self.running.values()), default=0.0)
        return max(0.0, ends - time.monotonic())


# -- a sidecar sent with an upload ---------------------------------------------------------

RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
TAKEN = {
    "ImageDescription": "{http://ns.adobe.com/tiff/1.0/}ImageDescription",
    "Description": "{http://purl.org/dc/elements/1.1/}description",
    "DateTimeOriginal": "{http://ns.adobe.com/exif/1.0/}DateTimeOriginal",
    "GPSLatitude": "{http://ns.adobe.com/exif/1.0/}GPSLatitude",
    "GPSLongitude": "{http://ns.adobe.com/exif/1.0/}GPSLongitude",
    "TagsList": "{http://www.digikam.org/ns/1.0/}TagsList",
}


def _coordinate(text: str) -> float:
    """``"41,24.5N"`` -> 41.408333…"""
    degrees, minutes = text[:-1].split(",")
    value = float(degrees) + float(minutes) / 60
    return -value if text[-1] in "SW" else value


MWG_RS = "{http://www.metadataworkinggroup.com/schemas/regions/}"
ST_DIM = "{http://ns.adobe.com/xap/1.0/sType/Dimensions#}"
ST_AREA = "{http://ns.adobe.com/xmp/sType/Area#}"


def _regions(root: Any) -> dict[str, Any] | None:
    """MWG face regions as exiftool gives them to Immich (``RegionInfo``): the image's
    dimensions and each region's name and area (fractions of the stored image)."""
    regions = root.find(f".//{MWG_RS}Regions")
    dimensions = None if regions is None else regions.find(f"{MWG_RS}AppliedToDimensions")
    if regions is None or dimensions is None:
        return None
    listed = []
    for region in regions.iter(f"{RDF}Description"):
        name, area = region.find(f"{MWG_RS}Name"), region.find(f"{MWG_RS}Area")
        if area is not None:
            size = {key.upper(): float(area.get(f"{ST_AREA}{key}", 0)) for key in "xywh"}
            listed.append({"Name": name.text if name is not None else None, "Area": size})
    width, height = (int(dimensions.get(f"{ST_DIM}{key}", 0)) for key in "wh")
    return {"AppliedToDimensions": {"W": width, "H": height}, "RegionList": listed}


def read_sidecar(data: bytes) -> dict[str, Any]:
    """What Immich 3.1.0 takes from an uploaded XMP sidecar, by exiftool's tag names: a
    description (``ImageDescription``, else ``Description``), the date, the place, the
    ``TagsList`` and the face regions. Anything unreadable is ignored, as Immich logs and
    goes on."""
    import xml.etree.ElementTree as ET

    try:
        root = ET.fromstring(data)
    except ET.ParseError:
        return {}
    found: dict[str, Any] = {}
    for name, qualified in TAKEN.items():
        element = root.find(f".//{qualified}")
        if element is None:
            continue
        items = [item.text or "" for item in element.iter(f"{RDF}li")]
        if name == "TagsList":
            found[name] = items
        elif name in ("ImageDescription", "Description"):
            found[name] = items[0] if items else element.text or ""
        elif name.startswith("GPS"):
            found[name] = _coordinate(element.text or "0,0N")
        else:
            found[name] = element.text
    regions = _regions(root)
    if regions is not None and regions["RegionList"]:
        found["RegionInfo"] = regions
    return found

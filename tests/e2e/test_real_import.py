"""Each fixture library imported into a real Immich 3.1.0, then every asset checked on the
server itself: what Photos knows (from its database, read by osxphotos as the reference)
against what Immich shows, the moment and the time zone included. Also: everything
processed, no server error caused by photos-sync, a second sync changes nothing, verify is
clean."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import osxphotos
import pytest

from photos_sync.upload import held_work
from tests.conftest import CliResult, run_json
from tests.e2e.server import RealImmich, albums, all_assets
from tests.support.fixtures import LIBRARY_NAMES, PhotosChange, change_in_photos

Run = Callable[..., CliResult]
# The kit's HEIC decoder (Debian's libheif through libvips) fails on some iPhone HEICs
# ("bad seek", "Too many auxiliary image references", a missing plugin) although the bytes
# on the server are the file's (its checksum is checked above); the official CLI's uploads
# meet the same. A server limit, not photos-sync's: such assets are listed, not failed.
HEIF_LIMIT = re.compile(r"AssetGenerateThumbnails\): Error: (heif: |\S+\.heic: bad seek)", re.I)


@dataclass(frozen=True)
class Expected:
    """One asset as Photos shows it, in the terms Immich uses."""

    filename: str
    sha1: str
    favorite: bool
    description: str
    keywords: frozenset[str]
    albums: frozenset[str]
    archived: bool  # hidden in Photos
    live: bool  # a Live Photo whose motion video is on disk
    date: datetime
    location: tuple[float, float] | None


def _sha1(path: str) -> str:
    return hashlib.sha1(Path(path).read_bytes()).hexdigest()


def expected_assets(library: Path) -> list[Expected]:
    """The library's assets that have their original on disk, as osxphotos reads them."""
    db = osxphotos.PhotosDB(dbfile=str(library))
    found = []
    for photo in db.photos(intrash=False):
        if not photo.path or photo.intrash:
            continue
        text = [part for part in (photo.title, photo.description) if part]
        found.append(
            Expected(
                filename=photo.original_filename,
                sha1=_sha1(photo.path),
                favorite=photo.favorite,
                description="\n\n".join(text),
                keywords=frozenset(photo.keywords),
                albums=frozenset(a.title for a in photo.album_info),
                archived=photo.hidden,
                live=bool(photo.live_photo and photo.path_live_photo),
                date=photo.date,
                location=photo.location if photo.location[0] is not None else None,
            )
        )
    return found


def _decoder_limit(line: str, assets: dict[str, dict[str, Any]]) -> bool:
    """A thumbnail the kit's HEIC decoder could not make: named as such, or an error (sharp's
    "Unknown error", seen now and then) on an asset that is a HEIC."""
    if "AssetGenerateThumbnails" not in line:
        return False
    named = re.search(r'"id":"([0-9a-f-]{36})"', line)
    asset = assets.get(named.group(1), {}) if named else {}
    return bool(HEIF_LIMIT.search(line)) or asset.get("originalFileName", "").lower().endswith(
        ".heic"
    )


def _checksum(asset: dict[str, Any]) -> str:
    return base64.b64decode(asset["checksum"]).hex()


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _differences(want: Expected, got: dict[str, Any], in_albums: set[str]) -> list[str]:
    """What the server shows differently from Photos, in words."""
    found = []
    exif = got.get("exifInfo") or {}
    if got["isFavorite"] != want.favorite:
        found.append(f"favorite {got['isFavorite']} (Photos: {want.favorite})")
    if (exif.get("description") or "") != want.description:
        found.append(f"description {exif.get('description')!r} (Photos: {want.description!r})")
    tags = {t["value"] for t in got.get("tags") or []}
    if not want.keywords <= tags:
        found.append(f"tags {sorted(tags)} lack {sorted(want.keywords - tags)}")
    if want.albums != in_albums:
        found.append(f"albums {sorted(in_albums)} (Photos: {sorted(want.albums)})")
    if (got["visibility"] == "archive") != want.archived:
        found.append(f"visibility {got['visibility']} (Photos hidden: {want.archived})")
    if bool(got.get("livePhotoVideoId")) != want.live:
        found.append(f"live photo link {got.get('livePhotoVideoId')} (Photos: {want.live})")
    if want.location is not None:
        place: tuple[float | None, float | None] = (exif.get("latitude"), exif.get("longitude"))
        if any(a is None or abs(a - b) > 1e-4 for a, b in zip(place, want.location, strict=True)):
            found.append(f"location {place} (Photos: {want.location})")
    return found


def _date_differences(want: Expected, got: dict[str, Any]) -> list[str]:
    """The moment and the zone Photos shows, against Immich's."""
    exif = got.get("exifInfo") or {}
    taken = exif.get("dateTimeOriginal") or got["fileCreatedAt"]
    instant = _instant(taken)
    found = []
    if abs(instant - want.date) > timedelta(seconds=1):
        found.append(f"taken {instant.isoformat()} (Photos: {want.date.isoformat()})")
    local = _instant(got["localDateTime"]).replace(tzinfo=None)
    offset = local - instant.replace(tzinfo=None)
    if abs(offset - (want.date.utcoffset() or timedelta())) > timedelta(seconds=1):
        found.append(f"zone offset {offset} (Photos: {want.date.utcoffset()})")
    return found


def photos_differences(
    library: Path, by_checksum: dict[str, dict[str, Any]], membership: dict[str, set[str]]
) -> dict[str, list[str]]:
    """File name -> how the server shows it differently from Photos (nothing when equal)."""
    problems = {}
    for want in expected_assets(library):
        got = by_checksum.get(want.sha1)
        if got is None:
            problems[want.filename] = ["not on the server"]
            continue
        in_albums = {name for name, ids in membership.items() if got["id"] in ids}
        found = _differences(want, got, in_albums) + _date_differences(want, got)
        if found:
            problems[want.filename] = found
    return problems


def checksum_index(assets: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The server's assets by the SHA-1 of their file, trashed ones left out."""
    return {_checksum(a): a for a in assets if not a.get("isTrashed")}


def _import(run_cli: Run, library: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A sync; and, if Immich was still reading some uploads when it ended (their metadata
    left for the next run, as a loaded server may), the next night's sync too."""
    monkeypatch.setenv("PHOTOS_LIBRARY", str(library))
    summary: dict[str, Any] = run_json(run_cli, "sync")
    if summary["metadata"]["deferred_to_next_run"]:
        run_json(run_cli, "sync")
    return summary


@pytest.mark.parametrize("name", LIBRARY_NAMES)
def test_every_asset_arrives_as_photos_shows_it(
    name: str,
    run_cli: Run,
    shared_libraries: dict[str, Path],
    real_immich: RealImmich,
    real_user: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    library = shared_libraries[name]
    log_offset = real_immich.log_size()
    summary = _import(run_cli, library, monkeypatch)
    assert summary["ok"] and summary["import"]["failed"] == 0
    real_immich.wait_until_idle()
    with real_immich.api(real_user) as client:
        assets = all_assets(client)
        by_checksum = checksum_index(assets)
        membership = albums(client)
    assert photos_differences(library, by_checksum, membership) == {}
    # Everything processed: a thumbnail for each visible asset, or the known HEIC limit.
    errors = real_immich.errors_since(log_offset)
    unprocessed = [
        a["originalFileName"]
        for a in assets
        if a["visibility"] != "hidden" and not a.get("thumbhash")
    ]
    by_id = {a["id"]: a for a in assets}
    known_limits = [e for e in errors if _decoder_limit(e, by_id)]
    for filename in unprocessed:
        assert filename.lower().endswith(".heic") and known_limits, filename
    assert [e for e in errors if not _decoder_limit(e, by_id)] == []


def test_an_import_holding_immichs_work_loses_nothing_and_leaves_it_running(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    real_immich: RealImmich,
    real_user: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An administrator's key, and a library counted as a large import: Immich's metadata,
    thumbnail and video queues wait during the uploads, are running again when the command
    ends, and then read every upload as Photos shows it."""
    monkeypatch.setattr(held_work, "HOLD_FROM", 1)
    admin = real_immich.new_user(admin=True)
    monkeypatch.setenv("IMMICH_API_KEY", admin)
    library = shared_libraries[LIBRARY_NAMES[0]]
    monkeypatch.setenv("PHOTOS_LIBRARY", str(library))
    result = run_cli("sync")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "paused meanwhile, for faster uploads" in result.stdout
    with real_immich.api(admin) as client:
        queues = client.get("/queues").json()
    assert [q["name"] for q in queues if q["isPaused"]] == []
    real_immich.wait_until_idle()
    if run_json(run_cli, "sync")["metadata"]["deferred_to_next_run"]:
        run_json(run_cli, "sync")
    real_immich.wait_until_idle()
    with real_immich.api(admin) as client:
        by_checksum = checksum_index(all_assets(client))
        membership = albums(client)
    assert photos_differences(library, by_checksum, membership) == {}


def _changed_in_photos(library: Path) -> list[str]:
    """Up to three photos of the library (Test-Shared has two with a file) changed as a user
    would in Photos (issue 29): a title, a keyword and the favorite in one night (three
    sidecar rewrites of one asset in Immich); a title and a keyword; the favorite. Their
    file names."""
    photos = sorted(
        (
            p
            for p in osxphotos.PhotosDB(dbfile=str(library)).photos(intrash=False)
            if p.path and not p.hidden
        ),
        key=lambda p: p.uuid,
    )[:3]
    changes: tuple[Callable[[bool], PhotosChange], ...] = (
        lambda flipped: PhotosChange("All at once", "At once", flipped),
        lambda flipped: PhotosChange(title="Changed in Photos", keyword="Changed"),
        lambda flipped: PhotosChange(favorite=flipped),
    )
    for photo, change in zip(photos, changes, strict=False):
        flipped = not bool(photo.favorite)
        change_in_photos(library, str(photo.uuid), change(flipped))
    return [photo.original_filename for photo in photos]


@pytest.mark.parametrize("name", LIBRARY_NAMES)
def test_changes_made_in_photos_arrive(
    name: str,
    run_cli: Run,
    library_copy: Callable[[str], Path],
    real_immich: RealImmich,
    real_user: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After a first sync, titles, keywords and favorites changed in Photos: the next sync
    brings each of them to the server, and nothing else differs from Photos."""
    library = library_copy(name)
    _import(run_cli, library, monkeypatch)
    real_immich.wait_until_idle()
    changed = _changed_in_photos(library)
    summary = _import(run_cli, library, monkeypatch)
    real_immich.wait_until_idle()
    with real_immich.api(real_user) as client:
        differences = photos_differences(
            library, checksum_index(all_assets(client)), albums(client)
        )
    assert differences == {}, (changed, differences)
    assert summary["ok"] and summary["metadata"]["tags"] >= 1, summary["metadata"]


def test_a_second_sync_changes_nothing_and_verify_is_clean(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    real_immich: RealImmich,
    real_user: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    library = shared_libraries["Test-26.1.photoslibrary"]
    _import(run_cli, library, monkeypatch)
    real_immich.wait_until_idle()
    with real_immich.api(real_user) as client:
        before = {a["id"]: a["updatedAt"] for a in all_assets(client)}
    again = _import(run_cli, library, monkeypatch)
    assert again["import"]["uploaded"] == 0
    assert not any(again["metadata"].values())
    real_immich.wait_until_idle()
    with real_immich.api(real_user) as client:
        after = {a["id"]: a["updatedAt"] for a in all_assets(client)}
    assert after == before
    assert run_json(run_cli, "verify")["differences"] == []


def test_the_server_answers_as_photos_sync_expects(real_immich: RealImmich, real_user: str) -> None:
    """The kit's server is the one the contract describes."""
    with httpx.Client(base_url=f"{real_immich.url}/api") as client:
        version = client.get("/server/version").json()
    assert (version["major"], version["minor"]) == (3, 1)

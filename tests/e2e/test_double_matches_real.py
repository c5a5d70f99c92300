"""Keep the double honest: one import run against the double and against the real Immich,
both servers read back through the same API calls, their states normalised and compared.
A difference fails: it is fixed in the double, or named below as a known server behaviour
the double does not imitate."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import CliResult, run_json
from tests.e2e.server import RealImmich, albums, all_assets
from tests.support.immich_double import ImmichDouble

Run = Callable[..., CliResult]
LIBRARY = "Test-26.1.photoslibrary"

# What the double does not imitate, on purpose: it reads no file, so it has no EXIF of its
# own (the real server's extra fields: camera, size, the file's embedded keywords as tags),
# and it makes no thumbnails. Compared here is what photos-sync sets and reads back.


def _state(url: str, key: str, given_tags: set[str]) -> dict[str, dict[str, Any]]:
    """The server's assets by checksum, in the terms photos-sync cares about."""
    with httpx.Client(base_url=f"{url}/api", headers={"x-api-key": key}, timeout=60) as client:
        assets = all_assets(client)
        membership = albums(client)
    state = {}
    for asset in assets:
        exif = asset.get("exifInfo") or {}
        state[base64.b64decode(asset["checksum"]).hex()] = {
            "name": asset["originalFileName"],
            "type": asset["type"],
            "favorite": asset["isFavorite"],
            "visibility": asset["visibility"],
            "description": exif.get("description") or "",
            "taken": exif.get("dateTimeOriginal"),
            "tags": sorted({t["value"] for t in asset.get("tags") or []} & given_tags),
            "live": bool(asset.get("livePhotoVideoId")),
            "albums": sorted(n for n, ids in membership.items() if asset["id"] in ids),
        }
    return state


def _normalise_time(state: dict[str, dict[str, Any]]) -> None:
    """Instants to one spelling (the real server writes ``+00:00``, the double echoes)."""
    for asset in state.values():
        if asset["taken"]:
            moment = datetime.fromisoformat(asset["taken"].replace("Z", "+00:00"))
            asset["taken"] = moment.timestamp()


def _import(run_cli: Run, monkeypatch: pytest.MonkeyPatch, url: str, key: str, data: Path) -> None:
    monkeypatch.setenv("IMMICH_URL", url)
    monkeypatch.setenv("IMMICH_API_KEY", key)
    monkeypatch.setenv("PHOTOS_SYNC_DATA", str(data))
    assert run_json(run_cli, "sync")["ok"]


def test_the_double_ends_in_the_state_the_real_server_ends_in(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    real_immich: RealImmich,
    real_user: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PHOTOS_LIBRARY", str(shared_libraries[LIBRARY]))
    _import(run_cli, monkeypatch, real_immich.url, real_user, tmp_path / "real")
    real_immich.wait_until_idle()
    with ImmichDouble() as double:
        key = double.add_key(["all"])
        _import(run_cli, monkeypatch, double.url, key, tmp_path / "double")
        given = {tag.value for tag in double.state.tags.values()}
        on_double = _state(double.url, key, given)
        assert double.violations == []
    on_real = _state(real_immich.url, real_user, given)
    _normalise_time(on_double)
    _normalise_time(on_real)
    assert set(on_double) == set(on_real)
    differences = {
        on_real[checksum]["name"]: {
            field: (on_double[checksum][field], on_real[checksum][field])
            for field in on_real[checksum]
            if on_double[checksum][field] != on_real[checksum][field]
        }
        for checksum in on_real
        if on_double[checksum] != on_real[checksum]
    }
    assert differences == {}

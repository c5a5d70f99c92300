"""``verify`` and ``verify --fix`` on a real Immich 3.1.0, after what users do there: an
asset deleted for good while it was in an album and the cover of a stack, a tag taken off,
a stack taken apart. The repair ends with the server showing what Photos shows (read from
the server), stacks included, and a clean ``verify``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from photos_sync.immich import permissions
from tests.conftest import CliResult, run_json
from tests.e2e.server import RealImmich, albums, all_assets
from tests.e2e.test_real_import import checksum_index, photos_differences
from tests.support.fixtures import LIBRARY_NAMES
from tests.support.outcomes import tracker_rows

Run = Callable[..., CliResult]
TEST_26 = "Test-26.1.photoslibrary"


def _stack_of(client: httpx.Client, asset_id: str) -> dict[str, Any] | None:
    stacks: list[dict[str, Any]] = client.get("/stacks").json()
    return next((s for s in stacks if asset_id in {a["id"] for a in s["assets"]}), None)


def _edited(rows: dict[str, Any], filename: str) -> tuple[str, str, str]:
    """(Photos uuid, Immich id, id of its edited rendering) of an imported edited photo."""
    uuid = next(u for u, r in rows.items() if r["filename"] == filename)
    return uuid, rows[uuid]["immich_id"], json.loads(rows[uuid]["companions"])["edited"]


def test_verify_fix_repairs_what_was_done_in_immich(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    real_immich: RealImmich,
    real_user: str,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    library = shared_libraries[TEST_26]
    monkeypatch.setenv("PHOTOS_LIBRARY", str(library))
    assert run_json(run_cli, "sync", "--with-edits")["ok"]
    real_immich.wait_until_idle()
    assert run_json(run_cli, "verify")["differences"] == []
    rows = tracker_rows(data_dir)
    wedding, wedding_id, _ = _edited(rows, "wedding.jpg")  # in two albums, with its edit
    _, tulips_id, _ = _edited(rows, "Tulips.jpg")
    park = next(u for u, r in rows.items() if r["filename"] == "St James Park.jpg")
    with real_immich.api(real_user) as client:
        unstacked = _stack_of(client, tulips_id)
        assert unstacked is not None
        client.delete(f"/stacks/{unstacked['id']}").raise_for_status()
        tag = next(t for t in client.get("/tags").json() if t["value"] == "London")
        untag = client.request(
            "DELETE", f"/tags/{tag['id']}/assets", json={"ids": [rows[park]["immich_id"]]}
        )
        untag.raise_for_status()
        gone = client.request("DELETE", "/assets", json={"ids": [wedding_id], "force": True})
        gone.raise_for_status()
    real_immich.wait_until_idle()

    report = run_json(run_cli, "verify", code=1)
    found = {(d["problem"], d["filename"]) for d in report["differences"]}
    assert {
        ("missing on the server", "wedding.jpg"),
        ("stack in Immich differs from the one photos-sync made", "Tulips.jpg"),
        ("tags photos-sync gave it are missing in Immich", "St James Park.jpg"),
    } <= found
    fixed = run_json(run_cli, "verify", "--fix")
    assert fixed["repairs_failed"] == [] and fixed["differences"] == []
    real_immich.wait_until_idle()
    with real_immich.api(real_user) as client:  # the re-upload carried its sidecar (issue 29)
        shown = photos_differences(library, checksum_index(all_assets(client)), albums(client))
    assert shown.get("wedding.jpg") is None, shown
    assert run_json(run_cli, "sync")["ok"]  # the re-upload's stack
    real_immich.wait_until_idle()

    with real_immich.api(real_user) as client:
        assert photos_differences(library, checksum_index(all_assets(client)), albums(client)) == {}
        rows = tracker_rows(data_dir)
        for filename in ("wedding.jpg", "Tulips.jpg", "St James Park.jpg"):
            _, cover, edit = _edited(rows, filename)
            stack = _stack_of(client, cover)
            assert stack is not None, filename
            assert stack["primaryAssetId"] == cover and edit in {a["id"] for a in stack["assets"]}
    assert rows[wedding]["immich_id"] != wedding_id
    assert run_json(run_cli, "verify")["differences"] == []


@pytest.mark.parametrize("name", LIBRARY_NAMES)
def test_assets_deleted_in_immich_come_back_as_photos_shows_them(
    name: str,
    run_cli: Run,
    shared_libraries: dict[str, Path],
    real_immich: RealImmich,
    real_user: str,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 29, every library: what ``verify --fix`` uploads again (a third of the assets,
    deleted for good in Immich) carries its sidecar, flags and Live Photo link like a first
    upload, so the server shows every field as Photos does again."""
    library = shared_libraries[name]
    monkeypatch.setenv("PHOTOS_LIBRARY", str(library))
    assert run_json(run_cli, "sync")["ok"]
    real_immich.wait_until_idle()
    rows = tracker_rows(data_dir).values()
    deleted = sorted({r["immich_id"] for r in rows if r["status"] == "imported"})[::3]
    with real_immich.api(real_user) as client:
        gone = client.request("DELETE", "/assets", json={"ids": deleted, "force": True})
        gone.raise_for_status()
    real_immich.wait_until_idle()
    report = run_json(run_cli, "verify", code=1)
    missing = [d for d in report["differences"] if d["problem"] == "missing on the server"]
    assert deleted and len(missing) >= len(deleted)
    fixed = run_json(run_cli, "verify", "--fix")
    assert fixed["repairs_failed"] == [] and fixed["differences"] == []
    assert run_json(run_cli, "sync")["ok"]  # what follows a re-upload on the next sync
    real_immich.wait_until_idle()
    with real_immich.api(real_user) as client:
        shown = photos_differences(library, checksum_index(all_assets(client)), albums(client))
    assert shown == {}
    assert run_json(run_cli, "verify")["differences"] == []


def test_a_key_doctor_approves_does_every_command(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    real_immich: RealImmich,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Exactly the permissions doctor checks, granted by the real server: no command meets
    a refusal, ``verify --fix`` (restore from the trash, retag, restack) included."""
    owner = real_immich.new_user()
    key = real_immich.limited_key(owner, permissions.every_permission())
    for name, value in {
        "IMMICH_URL": real_immich.url,
        "IMMICH_API_KEY": key,
        "PHOTOS_SYNC_DATA": str(data_dir),
        "PHOTOS_LIBRARY": str(shared_libraries[TEST_26]),
    }.items():
        monkeypatch.setenv(name, value)
    doctor = json.loads(run_cli("doctor", "--json").stdout)  # other checks may fail here
    assert next(c for c in doctor if c["check"] == "API key permissions")["ok"]
    assert run_json(run_cli, "sync", "--with-edits")["ok"]
    real_immich.wait_until_idle()
    rows = tracker_rows(data_dir)
    _, tulips_id, _ = _edited(rows, "Tulips.jpg")
    with real_immich.api(owner) as client:
        stack = _stack_of(client, tulips_id)
        assert stack is not None
        client.delete(f"/stacks/{stack['id']}").raise_for_status()
        client.request("DELETE", "/assets", json={"ids": [tulips_id]}).raise_for_status()
    fixed = run_json(run_cli, "verify", "--fix")
    assert fixed["repairs_failed"] == [] and fixed["differences"] == []
    assert fixed["fixed"] >= 2

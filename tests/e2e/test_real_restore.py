"""The one test that shows the backup is a backup: a real Immich's media folder backed up
(its database dump made fresh by ``backup``, crypt over a local folder), restored into a
fresh folder, and a second real Immich started on the restored files and database finds
every asset, album and tag of the first, and serves their originals byte for byte."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from photos_sync.backup.dump import newest_dump_in
from tests.conftest import CliResult
from tests.e2e import second
from tests.e2e.server import RealImmich, albums, all_assets
from tests.support.backup import SECRETS, setup_local, write_op_state

Run = Callable[..., CliResult]


def _holdings(client: httpx.Client) -> dict[str, Any]:
    """What a user sees: assets by checksum, albums by name, tag values."""
    assets = all_assets(client)
    by_id = {a["id"]: a["checksum"] for a in assets}
    return {
        "assets": sorted(by_id.values()),
        "albums": {
            name: sorted(by_id[i] for i in members) for name, members in albums(client).items()
        },
        "tags": sorted(t["value"] for t in client.get("/tags").json()),
    }


def test_a_second_immich_on_the_restored_backup_holds_everything(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    real_immich: RealImmich,
    real_user: str,
    second_immich_dir: Path,
    fake_op: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = second_immich_dir
    if real_immich.log is None:
        pytest.skip("the first server is not a kit folder: its media folder is unknown")
    media = real_immich.log.parent.parent / "library"
    monkeypatch.setenv("PHOTOS_LIBRARY", str(shared_libraries["Test-26.1.photoslibrary"]))
    assert run_cli("sync").exit_code == 0
    real_immich.wait_until_idle()
    with real_immich.api(real_user) as client:
        before = _holdings(client)
    assert before["assets"] and before["albums"] and before["tags"]

    state = tmp_path / "op-state.json"
    write_op_state(state, **SECRETS)
    monkeypatch.setenv("FAKE_OP_STATE", str(state))
    monkeypatch.setenv("BACKUP_IMMICH_PATH", str(media))
    monkeypatch.setenv("IMMICH_API_KEY", real_immich.admin_key)  # may ask for a fresh dump
    remote = tmp_path / "remote"
    remote.mkdir()
    setup_local(run_cli, remote)
    backed_up = run_cli("backup", "--to", "disk")
    assert backed_up.exit_code == 0, backed_up.stderr
    assert "Database dump made by Immich" in backed_up.stdout
    drilled = run_cli("restore", "--from", "disk", "--drill")
    assert drilled.exit_code == 0 and "can bring Immich back" in drilled.stdout, drilled.stdout

    target = second.empty(folder)
    try:
        restored = run_cli("restore", "--from", "disk", "--to", str(target), "--force")
        assert restored.exit_code == 0, restored.stdout + restored.stderr
        dump = newest_dump_in(target / "backups")
        assert dump is not None
        url = second.start_from(folder, dump)
        with httpx.Client(
            base_url=f"{url}/api", headers={"x-api-key": real_user}, timeout=60
        ) as client:
            assert _holdings(client) == before
            asset = all_assets(client)[0]
            original = client.get(f"/assets/{asset['id']}/original")
            assert original.status_code == 200
            digest = hashlib.sha1(original.content).digest()
            assert base64.b64encode(digest).decode() == asset["checksum"]
    finally:
        second.stop(folder)

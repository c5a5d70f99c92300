"""What the backup tests share: an Immich data folder, the fake 1Password item, a local
destination (a pytest plugin, loaded by conftest)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult

Run = Callable[..., CliResult]
MARKER = b"PLAINTEXT-MARKER-photos-sync"
SECRETS = {
    "application_key_id": "KEYID-7f3a9c",
    "application_key": "APPKEY-very-secret-4411",
    "bucket_name": "my-immich-bucket",
    "encryption_password": "crypt-password-9b1e0d",
}


def write_op_state(path: Path, title: str = "Immich Backup B2", **fields: str) -> None:
    """The fake ``op``'s 1Password: one item in the vault "Private" holding ``fields``."""
    item = {
        "id": "itm1",
        "title": title,
        "version": 1,
        "vault": {"id": "v1", "name": "Private"},
        "category": "LOGIN",
        "fields": [
            {"id": k, "type": "CONCEALED", "label": k, "value": v} for k, v in fields.items()
        ],
    }
    path.write_text(
        json.dumps(
            {
                "account": {"email": "me@example.com"},
                "vaults": [{"id": "v1", "name": "Private", "items": [item]}],
            }
        )
    )


@pytest.fixture
def immich_data(tmp_path: Path) -> Path:
    root = tmp_path / "immich"
    files = {
        "library/admin/2024/IMG_0001.jpg": MARKER + os.urandom(2000),
        "library/admin/2024/IMG_0002.heic": MARKER + os.urandom(70_000),
        "upload/u1/pending.mov": MARKER + os.urandom(5000),
        "profile/admin/face.png": MARKER + b"png",
        "backups/immich-db-backup-1.sql.gz": MARKER + os.urandom(3000),
        "thumbs/admin/t.webp": MARKER + b"thumb",
        "encoded-video/admin/v.mp4": MARKER + b"video",
    }
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


@pytest.fixture
def backup_env(
    fake_op: Path,
    immich_data: Path,
    data_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    state = tmp_path / "op-state.json"
    write_op_state(state, **SECRETS)
    monkeypatch.setenv("FAKE_OP_STATE", str(state))
    monkeypatch.setenv("BACKUP_IMMICH_PATH", str(immich_data))
    monkeypatch.setenv("PHOTOS_SYNC_DATA", str(data_dir))
    remote = tmp_path / "remote"
    remote.mkdir()
    return remote


def setup_local(run_cli: Run, remote: Path) -> None:
    result = run_cli(
        "backup", "setup", "--to", "disk", "--type", "local", "--bucket", str(remote), "--yes"
    )
    assert result.exit_code == 0, result.stderr
    assert "test write through encryption worked" in result.stdout


def all_bytes(folder: Path) -> list[tuple[Path, bytes]]:
    return [(p, p.read_bytes()) for p in folder.rglob("*") if p.is_file()]

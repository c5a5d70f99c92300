"""The fake `op` behaves like the real 1Password CLI's documented interface."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from photos_sync.backup.tools import op_error_text
from tests.conftest import FAKE_OP_DIR

OP = str(FAKE_OP_DIR / "op")
ERROR_LINE = re.compile(r"^\[ERROR\] \d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2} (.+)$")
ITEM = {
    "id": "x3kabc",
    "title": "Immich Backup B2",
    "version": 1,
    "vault": {"id": "vlt1", "name": "Private"},
    "category": "LOGIN",
    "fields": [
        {"id": "f1", "type": "STRING", "label": "bucket_name", "value": "my-bucket"},
        {"id": "f2", "type": "CONCEALED", "label": "application_key", "value": "s3cr3t"},
    ],
}


def op(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [OP, *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        check=False,
    )


@pytest.fixture
def state(tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "op.json"
    path.write_text(
        json.dumps(
            {
                "account": {"email": "me@example.com"},
                "vaults": [{"id": "vlt1", "name": "Private", "items": [ITEM]}],
            }
        )
    )
    return {"FAKE_OP_STATE": str(path), "PATH": "/usr/bin:/bin"}


def test_version_is_a_bare_line() -> None:
    result = op("--version")
    assert result.returncode == 0 and re.fullmatch(r"\d+\.\d+\.\d+\n", result.stdout)


def test_whoami_json(state: dict[str, str]) -> None:
    result = op("whoami", "--format=json", env=state)
    who = json.loads(result.stdout)
    assert result.returncode == 0 and who["email"] == "me@example.com"
    assert set(who) == {"url", "email", "user_uuid", "account_uuid", "user_type"}


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("signed_out", "You are not currently signed in. Please run `op signin --help`"),
        ("expired", "session expired, sign in to create a new session"),
    ],
)
def test_errors_use_ops_format_and_exit_1(state: dict[str, str], mode: str, message: str) -> None:
    result = op("whoami", "--format", "json", env={**state, "FAKE_OP_MODE": mode})
    assert result.returncode == 1 and result.stdout == ""
    match = ERROR_LINE.match(result.stderr.strip())
    assert match and match.group(1).startswith(message)
    assert op_error_text(result.stderr).startswith(message)


def test_item_get_by_title_any_case_and_field(state: dict[str, str]) -> None:
    item = json.loads(op("item", "get", "immich backup b2", "--format", "json", env=state).stdout)
    assert item["id"] == "x3kabc"
    field = op(
        "item",
        "get",
        "x3kabc",
        "--vault",
        "Private",
        "--fields",
        "label=application_key",
        "--reveal",
        env=state,
    )
    assert field.stdout == "s3cr3t\n"


def test_item_missing_and_read(state: dict[str, str]) -> None:
    missing = op("item", "get", "Nope", "--format", "json", env=state)
    assert missing.returncode == 1
    assert '"Nope" isn\'t an item.' in missing.stderr
    read = op("read", "op://Private/Immich Backup B2/bucket_name", env=state)
    assert read.stdout == "my-bucket\n"
    no_vault = op("read", "op://Nope/x/y", env=state)
    assert "isn't a vault in this account" in no_vault.stderr


def test_every_call_is_logged(state: dict[str, str], tmp_path: Path) -> None:
    log = tmp_path / "calls.jsonl"
    op("whoami", "--format", "json", env={**state, "FAKE_OP_LOG": str(log)})
    assert json.loads(log.read_text())["argv"] == ["whoami", "--format", "json"]

"""One list of permissions per command; doctor checks their union (issue 13, item 6)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from photos_sync.immich import permissions
from tests.conftest import CliResult, run_json
from tests.support.immich_double import ImmichDouble
from tests.support.outcomes import assert_one_clear_line

Run = Callable[..., CliResult]
TEST_26 = "Test-26.1.photoslibrary"


def _key(immich: ImmichDouble, monkeypatch: pytest.MonkeyPatch, lacking: set[str]) -> None:
    granted = [p for p in permissions.every_permission() if p not in lacking]
    monkeypatch.setenv("IMMICH_API_KEY", immich.add_key(granted))


def test_doctor_refuses_a_key_that_verify_fix_would_refuse(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configure(shared_libraries[TEST_26])
    _key(immich, monkeypatch, {"asset.delete", "album.delete"})
    doctor = run_json(run_cli, "doctor", code=1)
    check = next(c for c in doctor if c["check"] == "API key permissions")
    assert not check["ok"]
    assert "asset.delete, album.delete" in check["detail"] and "verify --fix" in check["detail"]
    assert run_cli("import").exit_code == 0  # import needs neither
    refused = run_cli("verify", "--fix")
    assert_one_clear_line(refused, "asset.delete, album.delete")


def test_import_names_every_missing_permission_before_uploading(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configure(shared_libraries[TEST_26])
    _key(immich, monkeypatch, {"tag.asset", "album.create"})
    result = run_cli("import")
    assert result.exit_code == 4
    assert_one_clear_line(result, "album.create, tag.asset")
    assert immich.state.assets == {}  # refused before the uploads, not after them


def test_every_command_list_is_within_what_doctor_checks() -> None:
    every = set(permissions.every_permission())
    for command, needed in permissions.BY_COMMAND.items():
        assert set(needed) <= every, command

"""`photos-sync doctor` against a real HTTP Immich double, real rclone and the fake `op`."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from photos_sync.immich.client import REQUIRED_PERMISSIONS
from photos_sync.workflow import doctor
from photos_sync.workflow.doctor import recommended_storage_template
from tests.conftest import CliResult
from tests.support.immich_double import ImmichDouble

Run = Callable[..., CliResult]
MEDIA_TYPES = "Test-Media-Types-15.7.2.photoslibrary"


@pytest.fixture(autouse=True)
def any_free_space_will_do(monkeypatch: pytest.MonkeyPatch) -> None:
    """The machine's free disk is not under test here (but see test_too_little_free_space)."""
    monkeypatch.setattr(doctor, "MIN_FREE_BYTES", 0)


@pytest.fixture
def configured(
    shared_libraries: dict[str, Path],
    data_dir: Path,
    immich: ImmichDouble,
    monkeypatch: pytest.MonkeyPatch,
) -> str:
    key = immich.add_key(["all"])
    monkeypatch.setenv("IMMICH_URL", immich.url)
    monkeypatch.setenv("IMMICH_API_KEY", key)
    monkeypatch.setenv("PHOTOS_LIBRARY", str(shared_libraries[MEDIA_TYPES]))
    monkeypatch.setenv("PHOTOS_SYNC_DATA", str(data_dir))
    return key


def checks(result: CliResult) -> dict[str, dict]:  # type: ignore[type-arg]
    return {check["check"]: check for check in json.loads(result.stdout)}


def test_all_good(run_cli: Run, configured: str, fake_op: Path, immich: ImmichDouble) -> None:
    immich.state.system_config["storageTemplate"] = recommended_storage_template()
    immich.state.system_config["metadata"]["faces"]["import"] = True
    result = run_cli("doctor")
    assert result.exit_code == 0, result.stdout
    lines = result.stdout.splitlines()
    assert all(line.startswith("✓ ") for line in lines), result.stdout
    assert any("Photos 10, 18 assets" in line for line in lines)
    assert any("version 3.1.0" in line for line in lines)
    assert any(line.startswith("✓ rclone: rclone v") for line in lines)
    assert any("signed in as user@example.com" in line for line in lines)
    assert configured not in result.stdout + result.stderr
    debug = run_cli("--debug", "doctor")
    assert configured not in debug.stdout + debug.stderr


def test_wrong_key(run_cli: Run, configured: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMMICH_API_KEY", "not-a-real-key")
    result = run_cli("doctor", "--json")
    assert result.exit_code == 1
    key = checks(result)["API key"]
    assert not key["ok"] and "Invalid API key" in key["detail"]
    assert "IMMICH_API_KEY" in key["fix"]
    assert "not-a-real-key" not in result.stdout


def test_key_missing_permissions(
    run_cli: Run, configured: str, immich: ImmichDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    partial = [p for p in REQUIRED_PERMISSIONS if p not in ("album.create", "tag.asset")]
    monkeypatch.setenv("IMMICH_API_KEY", immich.add_key(partial))
    result = run_cli("doctor")
    assert result.exit_code == 1
    assert "✗ API key permissions: missing album.create, tag.asset" in result.stdout


def test_server_down(run_cli: Run, configured: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMMICH_URL", "http://127.0.0.1:9")  # discard port: nothing listens
    result = run_cli("doctor")
    assert result.exit_code == 1
    assert "✗ Immich server: Immich is not reachable at http://127.0.0.1:9/api" in result.stdout
    assert "Traceback" not in result.stderr


def test_url_of_something_that_is_not_immich(
    run_cli: Run, configured: str, immich: ImmichDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IMMICH_URL", immich.url + "/not-immich")
    result = run_cli("doctor", "--json")
    assert result.exit_code == 1
    assert "answered 404" in checks(result)["Immich server"]["detail"]
    immich.violations.clear()  # the double rightly flags the unknown route


def test_base_url_with_api_suffix(
    run_cli: Run, configured: str, immich: ImmichDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IMMICH_URL", immich.url + "/api")
    result = run_cli("doctor", "--json")
    assert checks(result)["Immich server"]["ok"]


def test_missing_library_and_unset_url(
    run_cli: Run, configured: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PHOTOS_LIBRARY", str(tmp_path / "gone.photoslibrary"))
    monkeypatch.delenv("IMMICH_URL")
    result = run_cli("doctor")
    assert result.exit_code == 1
    assert "✗ Photos library: Photos library not found" in result.stdout
    assert "✗ Immich server: IMMICH_URL is not set" in result.stdout


def test_backup_tools_are_optional_until_backup_is_configured(
    run_cli: Run, configured: str, fake_op: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FAKE_OP_MODE", "signed_out")
    result = run_cli("doctor")
    assert result.exit_code == 0
    assert "! 1Password CLI: You are not currently signed in." in result.stdout

    monkeypatch.setenv("BACKUP_IMMICH_PATH", str(tmp_path))
    result = run_cli("doctor")
    assert result.exit_code == 1
    assert "✗ 1Password CLI: You are not currently signed in." in result.stdout


def test_op_not_installed(
    run_cli: Run, configured: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no op anywhere
    result = run_cli("doctor", "--json")
    assert checks(result)["1Password CLI"]["detail"] == "1Password CLI (op) is not installed"


def test_rclone_binary_setting(
    run_cli: Run, configured: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("RCLONE_BINARY", str(tmp_path / "no-rclone"))
    result = run_cli("doctor", "--json")
    rclone = checks(result)["rclone"]
    assert not rclone["ok"] and "not found" in rclone["detail"]


def test_data_folder_not_writable(
    run_cli: Run, configured: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("PHOTOS_SYNC_DATA", str(blocker / "data"))
    result = run_cli("doctor", "--json")
    assert result.exit_code == 1
    assert not checks(result)["Data folder"]["ok"]


def test_bad_config_is_reported_as_a_check(run_cli: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKUP_STATS_INTERVAL", "often")
    result = run_cli("doctor")
    assert result.exit_code == 1
    assert result.stdout.startswith("✗ Configuration: Invalid configuration: BACKUP_STATS_INTERVAL")


def test_too_little_free_space(
    run_cli: Run, configured: str, monkeypatch: pytest.MonkeyPatch, data_dir: Path
) -> None:
    free = shutil.disk_usage(data_dir.parent).free
    monkeypatch.setattr(doctor, "MIN_FREE_BYTES", free * 2)
    result = run_cli("doctor", "--json")
    assert result.exit_code == 1
    space = checks(result)["Free space"]
    assert not space["ok"] and "GiB free" in space["detail"]


def test_doctor_with_nothing_set_says_what_to_set_and_where(
    run_cli: Run, configured: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Issue 32: with nothing set, doctor said "✓ Configuration: valid", no API-key line
    until a URL was set, "Set it in .env" (which one?) and "(see --help)" where no help
    covers `op`."""
    monkeypatch.delenv("IMMICH_URL")
    monkeypatch.delenv("IMMICH_API_KEY")
    monkeypatch.delenv("PHOTOS_LIBRARY", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no op, no rclone on it
    shown = run_cli("doctor").stdout
    assert "Configuration: valid" not in shown
    assert "nothing set yet" in shown
    assert "✗ API key: IMMICH_API_KEY is not set" in shown
    assert "Account Settings > API Keys" in shown
    url_line = next(line for line in shown.splitlines() if "IMMICH_URL is not set" in line)
    assert "photos-sync setup" in url_line and "settings.env" in url_line
    assert "environment" in url_line and "docs/settings.md" in url_line
    assert "see --help" not in shown


def test_status_doctor_and_report_count_the_library_alike(
    run_cli: Run,
    configured: str,
    shared_libraries: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """Issue 32: the first status said 14 assets and doctor 16 (it counted the two in
    Photos' Recently Deleted): one definition of "in the library" for every command."""
    monkeypatch.setenv("PHOTOS_LIBRARY", str(shared_libraries["Test-26.1.photoslibrary"]))
    status = json.loads(run_cli("status", "--json").stdout)["library"]
    assert status["in_trash"] > 0
    checks = json.loads(run_cli("doctor", "--json").stdout)
    library = next(c for c in checks if c["check"] == "Photos library")
    assert f", {status['assets']} assets)" in library["detail"]
    report = run_cli("report", "--json", "--out", str(tmp_path / "report.html")).stdout
    assert json.loads(report)["assets"] == status["assets"]

"""Configuration from .env files and the environment, and its one-line errors."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

from photos_sync.config import Secret, Settings, env_name, load_settings
from photos_sync.errors import ConfigError
from tests.conftest import CliResult


def test_defaults_use_the_platform_data_folder(tmp_path: Path) -> None:
    settings = load_settings()
    assert settings.data_dir == tmp_path / "home" / ".local" / "share" / "photos-sync"
    assert settings.backup_stats_interval == 60 and settings.backup_max_retries == 3
    assert settings.immich_url is None and settings.photos_library is None


def test_env_file_in_the_working_directory(tmp_path: Path) -> None:
    Path(".env").write_text(
        "IMMICH_URL=http://photos.lan:2283/\nIMMICH_API_KEY=abc\n"
        f"PHOTOS_SYNC_DATA={tmp_path / 'd'}\nBACKUP_MAX_RETRIES=5\n"
    )
    settings = load_settings()
    assert settings.immich_url == "http://photos.lan:2283"
    assert settings.immich_api_key is not None
    assert settings.immich_api_key.get_secret_value() == "abc"
    assert settings.data_dir == tmp_path / "d"
    assert settings.backup_max_retries == 5


def test_env_file_in_the_data_folder_is_read_too(tmp_path: Path) -> None:
    data = tmp_path / "d"
    data.mkdir()
    (data / ".env").write_text("IMMICH_URL=http://from-data:2283\nBACKUP_STATS_INTERVAL=30\n")
    Path(".env").write_text(f"PHOTOS_SYNC_DATA={data}\nBACKUP_STATS_INTERVAL=15\n")
    settings = load_settings()
    assert settings.immich_url == "http://from-data:2283"
    assert settings.backup_stats_interval == 15  # the working directory's file wins


def test_environment_beats_env_files(monkeypatch: pytest.MonkeyPatch) -> None:
    Path(".env").write_text("IMMICH_URL=http://from-file:2283\n")
    monkeypatch.setenv("IMMICH_URL", "http://from-env:2283")
    assert load_settings().immich_url == "http://from-env:2283"


def test_command_line_beats_everything(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PHOTOS_LIBRARY", "/from/env.photoslibrary")
    monkeypatch.setenv("PHOTOS_SYNC_DATA", str(tmp_path / "env-data"))
    settings = load_settings(data_dir=tmp_path / "cli-data", library=Path("/cli.photoslibrary"))
    assert settings.data_dir == tmp_path / "cli-data"
    assert settings.photos_library == Path("/cli.photoslibrary")


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("BACKUP_STATS_INTERVAL=abc", ["BACKUP_STATS_INTERVAL", "'abc'"]),
        ("BACKUP_STATS_INTERVAL=0", ["BACKUP_STATS_INTERVAL", "greater than 0"]),
        ("BACKUP_MAX_RETRIES=-1", ["BACKUP_MAX_RETRIES"]),
        ("IMMICH_URL=photos.lan:2283", ["IMMICH_URL", "http://"]),
    ],
)
def test_bad_values_name_the_variable(line: str, names: list[str]) -> None:
    Path(".env").write_text(line + "\n")
    with pytest.raises(ConfigError) as raised:
        load_settings()
    message = raised.value.one_line()
    assert "\n" not in message
    for name in names:
        assert name in message


def test_bad_config_through_the_cli_is_one_line(run_cli: Callable[..., CliResult]) -> None:
    Path(".env").write_text("BACKUP_MAX_RETRIES=lots\n")
    result = run_cli("--library", "/x.photoslibrary", "status")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("Error: Invalid configuration: BACKUP_MAX_RETRIES")
    assert "Traceback" not in result.stderr


def test_env_example_documents_every_setting_and_is_valid() -> None:
    example = Path(__file__).resolve().parents[1] / ".env.example"
    named = {
        line.split("=", 1)[0]
        for line in example.read_text().splitlines()
        if "=" in line and not line.startswith("#")
    }
    assert named == {env_name(spec.name) for spec in dataclasses.fields(Settings)}
    Path(".env").write_text(example.read_text())
    settings = load_settings()
    assert settings.immich_url == "http://your-immich-server:2283"
    assert settings.immich_timeout == 60 and settings.backup_op_item == "Immich Backup B2"


def test_the_api_key_never_shows_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMMICH_API_KEY", "key-that-must-not-show")
    monkeypatch.setenv("IMMICH_TIMEOUT", "soon")
    with pytest.raises(ConfigError) as raised:
        load_settings()
    assert "IMMICH_TIMEOUT: must be a number (got 'soon')" in raised.value.one_line()
    monkeypatch.setenv("IMMICH_TIMEOUT", "5")
    settings = load_settings()
    assert "key-that-must-not-show" not in repr(settings) + str(settings)
    assert settings.immich_api_key == Secret("key-that-must-not-show")


def test_the_official_clis_names_are_understood(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 32: a user of the Immich CLI has IMMICH_INSTANCE_URL set already; the key may
    live in a file (a container secret, a file only its owner reads) rather than in .env."""
    monkeypatch.delenv("IMMICH_URL", raising=False)
    monkeypatch.delenv("IMMICH_API_KEY", raising=False)
    monkeypatch.setenv("IMMICH_INSTANCE_URL", "http://immich.local:2283")
    key_file = tmp_path / "immich-key"
    key_file.write_text("key-from-a-file\n")
    monkeypatch.setenv("IMMICH_API_KEY_FILE", str(key_file))
    settings = load_settings(data_dir=tmp_path / "data", cwd=tmp_path)
    assert settings.immich_url == "http://immich.local:2283"
    assert settings.immich_api_key is not None
    assert settings.immich_api_key.get_secret_value() == "key-from-a-file"
    monkeypatch.setenv("IMMICH_URL", "http://wins.local:2283")  # the own name wins
    assert load_settings(data_dir=tmp_path / "data", cwd=tmp_path).immich_url == (
        "http://wins.local:2283"
    )
    monkeypatch.setenv("IMMICH_API_KEY_FILE", str(tmp_path / "missing"))
    monkeypatch.delenv("IMMICH_API_KEY", raising=False)
    with pytest.raises(ConfigError, match="IMMICH_API_KEY_FILE"):
        load_settings(data_dir=tmp_path / "data", cwd=tmp_path)

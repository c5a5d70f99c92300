"""``photos-sync setup``: the first run's settings, checked one by one, then written to the
one settings file (:func:`~photos_sync.config.settings_file`).

Every answer is checked before anything is written: the address must answer as an Immich
server, the key must be accepted by it, the library must open. The key is written as the
user gave it: a 1Password reference stays a reference (``op`` reads it at each run), a
key file stays a path, and only a key typed in is written itself, in a file only its owner
may read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from photos_sync.config import (
    KEY_FILE,
    OnePasswordSecret,
    Secret,
    parse_settings,
    read_key_file,
    settings_file,
)
from photos_sync.errors import ConfigError
from photos_sync.files import write_whole
from photos_sync.immich.permissions import every_permission
from photos_sync.source.library import PhotosLibrary, resolve_library_path

if TYPE_CHECKING:
    from photos_sync.immich.client import ApiKeyInfo

# Where a user makes a key, and what it must allow: said by setup before it asks.
WHERE_KEYS_ARE_MADE = (
    "In Immich: your avatar > Account Settings > API Keys > New API Key. Give it 'all', or"
    " at least: "
)


def key_advice() -> str:
    return WHERE_KEYS_ARE_MADE + ", ".join(every_permission())


@dataclass(frozen=True)
class KeyGiven:
    """The API key as the user gave it: typed (``value``), a 1Password reference, or a
    file holding it."""

    value: str | None = None
    reference: str | None = None
    file: Path | None = None

    def secret(self) -> Secret:
        if self.reference:
            return OnePasswordSecret(self.reference)
        if self.file:
            return Secret(read_key_file(self.file, "--api-key-file"))
        if not self.value:
            raise ConfigError("No API key given", key_advice())
        return Secret(self.value.strip())

    def setting(self) -> tuple[str, str]:
        """The line of the settings file that holds the key: what was given, as given."""
        if self.file:
            return KEY_FILE, str(self.file.expanduser().resolve())
        return "IMMICH_API_KEY", self.reference or (self.value or "").strip()


def refuse_to_overwrite(force: bool) -> Path:
    """The settings file, unless one is there and ``force`` was not given (said before any
    question is asked)."""
    path = settings_file()
    if path.exists() and not force:
        raise ConfigError(
            f"{path} already exists",
            "Run `photos-sync setup --force` to replace it, or edit it by hand",
        )
    return path


def check_server(url: str) -> tuple[str, str]:
    """The address as written (checked), and what answers there: "Immich 3.1.0"."""
    from photos_sync.immich.client import checking_client  # httpx: see Workspace

    checked = parse_settings({"IMMICH_URL": url}).immich_url
    assert checked is not None
    with checking_client(checked, None) as client:
        version = client.server_version()
    return checked, f"Immich {version} at {client.display_url}"


def check_key(url: str, key: KeyGiven) -> ApiKeyInfo:
    """What the server says of the key: its name and permissions (refused: an error)."""
    from photos_sync.immich.client import checking_client

    with checking_client(url, key.secret().get_secret_value()) as client:
        return client.my_api_key()


def check_library(path: Path | None) -> PhotosLibrary:
    """The library given, else the Mac's own; opened to be sure it is one."""
    library = PhotosLibrary(resolve_library_path(path))
    library.entries()
    return library


def _quoted(value: str) -> str:
    """A value as a ``.env`` line holds it: single quotes keep it literal (a ``$`` is not
    expanded); a value with a single quote goes in double quotes, escaped."""
    if "'" not in value:
        return f"'{value}'"
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def settings_text(values: dict[str, str]) -> str:
    stamp = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M")
    lines = [
        f"# photos-sync settings, written by `photos-sync setup` on {stamp}.",
        "# Options, the environment and ./.env win over these; a data folder's .env loses.",
        "# docs/settings.md lists every setting.",
        *(f"{name}={_quoted(value)}" for name, value in values.items()),
    ]
    return "\n".join(lines) + "\n"


def write_settings(path: Path, values: dict[str, str]) -> None:
    """The settings file, readable by its owner alone (it may hold the key), replaced in
    one step: a kill leaves the old file or the new one."""
    write_whole(path, settings_text(values), private=True)

"""Configuration: ``.env`` files and environment variables, validated once.

Where a value comes from, strongest first (:data:`PRECEDENCE`, which ``doctor`` shows): a
command-line option (``--url``, ``--library``, ``--data-dir``), the process environment,
``./.env`` (the folder photos-sync runs from), the settings file ``photos-sync setup``
writes (``~/.config/photos-sync/settings.env``, under ``$XDG_CONFIG_HOME`` when set), then
``<data folder>/.env``; else the default. The data folder itself is found the same way
(``PHOTOS_SYNC_DATA``), falling back to the platform's per-user data folder.

The API key may be a 1Password secret reference (``op://vault/item/field``): it is read
with ``op read`` when a command first talks to Immich, and never written anywhere.

Every command starts here, so this module stays small and quick to import: a settings
library would cost each run a fifth of a second, as much as the rest of the start-up.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import platformdirs
from dotenv import dotenv_values

from photos_sync.errors import ConfigError
from photos_sync.redact import register_api_key, register_secret

ENV_FILE_NAME = ".env"
SETTINGS_FILE_NAME = "settings.env"
PRECEDENCE = (
    "command-line options, then the environment, then ./.env, then"
    " ~/.config/photos-sync/settings.env, then the data folder's .env"
)


def default_data_dir() -> Path:
    """The per-user data folder (``~/.local/share/photos-sync`` on Linux)."""
    return Path(platformdirs.user_data_dir("photos-sync", appauthor=False))


def settings_file() -> Path:
    """The settings ``setup`` writes, where XDG says a program's settings go (on macOS
    too: a command-line tool's settings live in ``~/.config`` there as well)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "photos-sync" / SETTINGS_FILE_NAME


class Secret:
    """A value that never shows itself: not in a repr, a log line or a traceback."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    @property
    def reference(self) -> str | None:
        """Where in 1Password the value is read from, if it is."""
        return None

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


class OnePasswordSecret(Secret):
    """A secret named by a 1Password reference (``op://vault/item/field``), read with
    ``op read`` the first time it is needed: a command that never talks to Immich never
    asks 1Password (which may want a fingerprint). The reference is not secret."""

    __slots__ = ("_reference",)

    def __init__(self, reference: str) -> None:
        super().__init__("")
        self._reference = reference

    def get_secret_value(self) -> str:
        if not self._value:
            from photos_sync.backup.onepassword import read_reference  # runs op

            self._value = read_reference(self._reference)
            register_api_key(self._value)
        return self._value

    @property
    def reference(self) -> str:
        return self._reference

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OnePasswordSecret) and other._reference == self._reference

    def __hash__(self) -> int:
        return hash(self._reference)


OP_PREFIX = "op://"


def _api_key(text: str) -> Secret:
    """The key itself, or a 1Password reference to it."""
    if not text.startswith(OP_PREFIX):
        return Secret(text)
    if len([part for part in text[len(OP_PREFIX) :].split("/") if part]) not in (3, 4):
        raise ValueError("a 1Password reference is op://vault/item/field")
    return OnePasswordSecret(text)


# Parsers: text from the environment -> a value, or ValueError with what is wrong.
Parser = Callable[[str], Any]


def _url(text: str) -> str:
    if not text.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    return text.rstrip("/")


def _number(
    kind: type[int] | type[float], minimum: float, inclusive: bool, maximum: float
) -> Parser:
    """A finite number within bounds: ``nan``, ``inf`` and absurd values (a timeout of 1e9
    seconds is a hang) are refused with the range that is accepted."""
    noun = "a whole number" if kind is int else "a number"

    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            raise ValueError(f"must be {noun}") from None
        if not math.isfinite(value):
            raise ValueError(f"must be {noun} from {minimum:g} to {maximum:g}")
        if value < minimum or (value == minimum and not inclusive):
            relation = "at least" if inclusive else "greater than"
            raise ValueError(f"must be {relation} {minimum:g}")
        if value > maximum:
            raise ValueError(f"must be at most {maximum:g}")
        return value

    return parse


def _spec(parse: Parser, secret: bool = False) -> dict[str, Any]:
    """A setting's field metadata: how its variable is read, whether it may be shown."""
    return {"parse": parse, "secret": secret}


@dataclass(frozen=True)
class Settings:
    """Every setting photos-sync reads; each is set by the variable of its upper-cased name
    (``immich_url`` by ``IMMICH_URL``), and ``.env.example`` says what each is for. An
    empty value counts as unset."""

    immich_url: str | None = field(default=None, metadata=_spec(_url))
    immich_api_key: Secret | None = field(default=None, metadata=_spec(_api_key, secret=True))
    immich_timeout: float = field(default=60.0, metadata=_spec(_number(float, 0, False, 3600)))
    immich_retries: int = field(default=5, metadata=_spec(_number(int, 1, True, 100)))
    immich_retry_wait: float = field(default=2.0, metadata=_spec(_number(float, 0, True, 600)))
    photos_library: Path | None = field(default=None, metadata=_spec(Path))
    photos_sync_data: Path = field(default_factory=default_data_dir, metadata=_spec(Path))
    backup_immich_path: Path | None = field(default=None, metadata=_spec(Path))
    backup_stats_interval: int = field(default=60, metadata=_spec(_number(int, 0, False, 3600)))
    backup_max_retries: int = field(default=3, metadata=_spec(_number(int, 0, True, 100)))
    backup_max_delete_percent: float = field(
        default=50.0, metadata=_spec(_number(float, 0, True, 100))
    )
    backup_max_delete_files: int = field(default=1000, metadata=_spec(_number(int, 0, True, 10**9)))
    rclone_binary: Path | None = field(default=None, metadata=_spec(Path))
    backup_op_item: str = field(default="Immich Backup B2", metadata=_spec(str))
    backup_op_vault: str | None = field(default=None, metadata=_spec(str))
    backup_s3_endpoint: str | None = field(default=None, metadata=_spec(str))
    backup_s3_provider: str = field(default="Other", metadata=_spec(str))
    # Pinged by sync and backup (healthchecks.io style: /start, success, /fail).
    healthcheck_url: Secret | None = field(default=None, metadata=_spec(Secret, secret=True))

    @property
    def data_dir(self) -> Path:
        return self.photos_sync_data.expanduser()

    @property
    def tracker_path(self) -> Path:
        return self.data_dir / "tracker.db"


# Where a setting goes, said the same way by everything that asks for one.
WHERE_SETTINGS_GO = (
    "Run `photos-sync setup`, or set it in the environment or"
    " ~/.config/photos-sync/settings.env (docs/settings.md lists every setting)"
)


def env_name(name: str) -> str:
    return name.upper()


def parse_settings(raw: Mapping[str, str | None], **given: Any) -> Settings:
    """Settings from variables (``raw``, by upper-case name) and already-typed ``given``
    values; every bad variable is named in one ConfigError, secret values never shown."""
    values: dict[str, Any] = dict(given)
    problems = []
    for spec in dataclasses.fields(Settings):
        text = raw.get(env_name(spec.name))
        if spec.name in given or text is None or text.strip() == "":
            continue
        try:
            values[spec.name] = spec.metadata["parse"](text.strip())
        except ValueError as error:
            shown = "" if spec.metadata["secret"] else f" (got {text!r})"
            problems.append(f"{env_name(spec.name)}: {error}{shown}")
    if problems:
        raise ConfigError(
            f"Invalid configuration: {'; '.join(problems)}",
            "Fix it in .env or the environment (see .env.example)",
        )
    settings = Settings(**values)
    _register_secrets(settings)
    return settings


def _register_secrets(settings: Settings) -> None:
    """The key and a URL's password are kept out of every output from here on (a key in
    1Password once it is read)."""
    if settings.immich_api_key is not None and settings.immich_api_key.reference is None:
        register_api_key(settings.immich_api_key.get_secret_value())
    if settings.immich_url:
        register_secret(urlsplit(settings.immich_url).password)
    if settings.healthcheck_url is not None:  # anyone holding it can ping
        register_secret(settings.healthcheck_url.get_secret_value())


def _find_data_dir(cli_data_dir: Path | None, files: list[Layer]) -> Path:
    """Resolve the data folder before the rest, since it holds a ``.env`` of its own;
    ``files``: the settings files above it, strongest first."""
    if cli_data_dir is not None:
        return cli_data_dir.expanduser()
    for values in (os.environ, *(layer.values for layer in files)):
        value = values.get("PHOTOS_SYNC_DATA")
        if value:
            return Path(value).expanduser()
    return default_data_dir()


def _read_env_file(path: Path) -> dict[str, str | None]:
    if not path.is_file():
        return {}
    try:
        return {k.upper(): v for k, v in dotenv_values(path).items()}
    except UnicodeDecodeError:
        raise ConfigError(
            f"{path} is not text (it holds bytes that are not UTF-8)",
            "Save it as plain UTF-8 text, one NAME=value per line (see .env.example)",
        ) from None


@dataclass(frozen=True)
class Layer:
    """One place settings come from: what it is called, and its variables by name."""

    origin: str
    values: Mapping[str, str | None]


def _layers(cwd: Path | None, data_dir: Path | None) -> tuple[Path, list[Layer]]:
    """The data folder, and every place settings come from, strongest first (options
    aside)."""
    working = (cwd or Path.cwd()) / ENV_FILE_NAME
    files = [
        Layer("./.env", _read_env_file(working)),
        Layer(str(settings_file()), _read_env_file(settings_file())),
    ]
    found = _find_data_dir(data_dir, files)
    environment = {k.upper(): v for k, v in os.environ.items()}
    data_file = Layer(str(found / ENV_FILE_NAME), _read_env_file(found / ENV_FILE_NAME))
    return found, [Layer("the environment", environment), *files, data_file]


def only_in_environment(data_dir: Path, cwd: Path, passed: set[str]) -> list[str]:
    """Settings this process has only from its environment (not from a settings file nor
    among ``passed``): a job started by the system without this shell would lack them."""
    _, layers = _layers(cwd, data_dir)
    in_files = {name for layer in layers[1:] for name in layer.values}
    known = {env_name(f.name) for f in dataclasses.fields(Settings)}
    return sorted(
        name
        for name in (key.upper() for key in os.environ)
        if name in known and name not in in_files and name not in passed
    )


def origins(
    data_dir: Path | None = None, cwd: Path | None = None, given: Mapping[str, object] = {}
) -> dict[str, str]:
    """Each setting that is set -> where its value comes from (what ``doctor`` shows):
    ``given``, settings passed as command-line options, win."""
    _, layers = _layers(cwd, data_dir)
    found: dict[str, str] = {}
    for spec in dataclasses.fields(Settings):
        name = env_name(spec.name)
        if given.get(spec.name) is not None:
            found[name] = "the command line"
            continue
        spellings = [name, *(a for a, n in ALIASES.items() if n == name)]
        if name == "IMMICH_API_KEY":
            spellings.append(KEY_FILE)
        for layer in layers:
            if any(_given(layer.values, spelling) for spelling in spellings):
                found[name] = layer.origin
                break
    return found


def load_settings(
    data_dir: Path | None = None,
    library: Path | None = None,
    cwd: Path | None = None,
    url: str | None = None,
) -> Settings:
    """Read and validate the configuration; raise :class:`ConfigError` with one clear line.
    ``data_dir``, ``library`` and ``url``: given on the command line, they win."""
    resolved_data_dir, layers = _layers(cwd, data_dir)
    raw: dict[str, str | None] = {}
    for layer in reversed(layers):  # the weakest first, each overwritten by stronger ones
        raw.update(_other_names(layer.values, read_file=False))
    given: dict[str, Any] = {"photos_sync_data": resolved_data_dir}
    if library is not None:
        given["photos_library"] = library
    if url:
        raw["IMMICH_URL"] = url
    return parse_settings(_other_names(raw), **given)


# A setting's other names: the official Immich CLI's, so its users' environment works as is.
ALIASES = {"IMMICH_INSTANCE_URL": "IMMICH_URL"}
KEY_FILE = "IMMICH_API_KEY_FILE"  # the API key read from a file (a container secret, say)


def _given(raw: Mapping[str, str | None], name: str) -> str:
    return (raw.get(name) or "").strip()


def _other_names(raw: Mapping[str, str | None], read_file: bool = True) -> dict[str, str | None]:
    """``raw`` with what its other names say, where a setting's own name says nothing; a
    key file not read stands for the key (a place's key file is as strong as its key)."""
    merged = dict(raw)
    for alias, name in ALIASES.items():
        if not _given(merged, name) and _given(merged, alias):
            merged[name] = merged[alias]
    key_file = _given(merged, KEY_FILE)
    if key_file and not read_file and not _given(merged, "IMMICH_API_KEY"):
        merged["IMMICH_API_KEY"] = None  # an empty key, filled from the file at the end
        merged[KEY_FILE] = key_file
        return merged
    if key_file and not _given(merged, "IMMICH_API_KEY"):
        merged["IMMICH_API_KEY"] = read_key_file(Path(key_file), KEY_FILE)
    return merged


def read_key_file(path: Path, named: str) -> str:
    """The API key a file holds; ``named``: how the user gave the file, for the error."""
    try:
        return path.expanduser().read_text().strip()
    except (OSError, UnicodeDecodeError) as error:
        problem = getattr(error, "strerror", None) or "not a text file"
        raise ConfigError(
            f"{named}: cannot read {path} ({problem})",
            "Point it at a file holding the API key alone, readable by you",
        ) from None

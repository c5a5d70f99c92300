"""``photos-sync doctor``: every precondition checked, one line each, with the fix.

Checks never raise: each turns what it found into a :class:`Check`. Backup tools (rclone,
``op``) are required only once backup is configured (``BACKUP_IMMICH_PATH``).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from photos_sync.config import PRECEDENCE, WHERE_SETTINGS_GO, Settings
from photos_sync.errors import ConfigError, ImmichAuthError, PhotosSyncError
from photos_sync.immich.permissions import commands_needing
from photos_sync.source.catalog import in_library
from photos_sync.source.library import PhotosLibrary, resolve_library_path
from photos_sync.track.database import describe_tracker
from photos_sync.workflow.checks import (
    Check,
    check_database_dump,
    check_op,
    check_rclone,
    failed,
)
from photos_sync.workflow.workspace import Workspace

if TYPE_CHECKING:  # imported where a check makes one (see Workspace.immich_client)
    from photos_sync.immich.client import ImmichClient

MIN_FREE_BYTES = 2 * 1024**3  # room for iCloud downloads and the tracker to grow


def check_library(settings: Settings) -> Check:
    try:
        library = PhotosLibrary(resolve_library_path(settings.photos_library))
        count = len(in_library(library.entries()))
        library.require_originals()
    except PhotosSyncError as error:
        return failed("Photos library", error)
    return Check(
        "Photos library",
        True,
        f"{library.path} (Photos {library.catalog.photos_version}, {count} assets)",
    )


def check_data_dir(data_dir: Path) -> Check:
    try:
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        with tempfile.NamedTemporaryFile(dir=data_dir, prefix=".doctor-"):
            pass
    except OSError as error:
        return Check(
            "Data folder",
            False,
            f"{data_dir} is not writable ({error.strerror})",
            "Set PHOTOS_SYNC_DATA (or --data-dir) to a folder you can write",
        )
    return Check("Data folder", True, f"{data_dir} is writable")


def check_tracker(path: Path) -> Check:
    try:
        return Check("Tracker", True, describe_tracker(path))
    except PhotosSyncError as error:
        return failed("Tracker", error)


def check_free_space(data_dir: Path, minimum: int) -> Check:
    probe = data_dir if data_dir.exists() else data_dir.parent
    free = shutil.disk_usage(probe).free
    detail = f"{free / 1024**3:.1f} GiB free on the data folder's disk"
    if free < minimum:
        return Check(
            "Free space",
            False,
            detail,
            f"Free at least {minimum / 1024**3:.0f} GiB, or move the data folder",
        )
    return Check("Free space", True, detail)


def check_immich(settings: Settings) -> Iterator[Check]:
    """Reachable and its version, then the key: valid, and allowed what we need; then the
    recommended storage template (optional)."""
    try:
        api_key = settings.immich_api_key.get_secret_value() if settings.immich_api_key else None
    except PhotosSyncError as error:  # a 1Password reference op could not read
        yield failed("API key", error)
        return
    if not settings.immich_url:
        yield Check("Immich server", False, "IMMICH_URL is not set", WHERE_SETTINGS_GO)
        if not api_key:
            yield _no_key()
        return
    from photos_sync.immich.client import checking_client  # httpx: see Workspace

    with checking_client(settings.immich_url, api_key) as client:
        try:
            version = client.server_version()
            warning = version.support()
        except PhotosSyncError as error:
            yield failed("Immich server", error)
            return
        note = f"; {warning}" if warning else ""
        yield Check("Immich server", True, f"{client.display_url} answers, version {version}{note}")
        if not api_key:
            yield _no_key()
            return
        try:
            key = client.my_api_key()
        except PhotosSyncError as error:
            yield failed("API key", error)
            return
        yield Check("API key", True, f"valid (key '{key.name}')")
        yield _permissions(key.missing())
        yield check_storage_template(client)
        yield check_face_import(client)
        yield check_queues(client)


def _no_key() -> Check:
    return Check(
        "API key",
        False,
        "IMMICH_API_KEY is not set",
        "Make one in Immich (Account Settings > API Keys; 'all', or the permissions this"
        " check lists once it has one), then set IMMICH_API_KEY (or IMMICH_API_KEY_FILE) as"
        " IMMICH_URL",
    )


def _permissions(missing: list[str]) -> Check:
    if missing:
        return Check(
            "API key permissions",
            False,
            f"missing {', '.join(missing)} (needed by {', '.join(commands_needing(missing))})",
            "Edit the key in Immich (Account Settings > API Keys) and grant them, or use 'all'",
        )
    return Check("API key permissions", True, "everything photos-sync needs")


# The original tool's recommendation: human-readable, sortable, unique, the same whatever
# the source (photos-sync, the phone app, the web).
RECOMMENDED_TEMPLATE = "{{y}}/{{MM}}/{{dd}}_{{HH}}{{mm}}{{ss}}-{{filetype}}-{{assetIdShort}}"
RECOMMENDED_HINT = "`photos-sync doctor --apply-recommended` sets it (an admin key)"


def recommended_storage_template() -> dict[str, Any]:
    return {"enabled": True, "hashVerificationEnabled": True, "template": RECOMMENDED_TEMPLATE}


def check_storage_template(client: ImmichClient) -> Check:
    """Whether Immich files uploads by the recommended storage template (optional)."""
    name = "Storage template"
    try:
        current = client.system_config()["storageTemplate"]
    except ImmichAuthError:
        return Check(
            name, False, "could not check: reading it needs an admin key", None, required=False
        )
    except PhotosSyncError as error:
        return Check(name, False, f"could not check: {error.message}", None, required=False)
    if current.get("enabled") and current.get("template") == RECOMMENDED_TEMPLATE:
        return Check(name, True, f"on, the recommended one ({RECOMMENDED_TEMPLATE})")
    state = "on" if current.get("enabled") else "off"
    return Check(
        name,
        False,
        f"{state}, {current.get('template')!r}; recommended: {RECOMMENDED_TEMPLATE}",
        RECOMMENDED_HINT,
        required=False,
    )


FACE_IMPORT = {"faces": {"import": True}}  # the server setting, as system-config holds it


def check_face_import(client: ImmichClient) -> Check:
    """Whether Immich makes the people and faces a new upload's sidecar names (optional:
    without it each face is a request of its own as the upload returns). Any key may ask."""
    name = "Face import"
    try:
        importing = bool(client.server_features().get("importFaces"))
    except PhotosSyncError as error:
        return Check(name, False, f"could not check: {error.message}", None, required=False)
    if importing:
        return Check(name, True, "on: the faces of new uploads ride in their sidecars")
    return Check(
        name,
        False,
        "off: each face of a new upload is one more request beside it",
        "`photos-sync doctor --apply-recommended` turns it on (an admin key)",
        required=False,
    )


def check_queues(client: ImmichClient) -> Check:
    """Whether Immich's queues are running (a paused one does none of its work: a run
    killed while it held them, or the administrator), and whether this key lets a large
    import hold them during its uploads (optional)."""
    name = "Immich's queues"
    try:
        paused = sorted(queue for queue, is_paused in client.queues().items() if is_paused)
    except ImmichAuthError:
        detail = "not an admin key: a large import uploads beside Immich's thumbnail work"
        return Check(name, False, detail, HOLD_HINT, required=False)
    except PhotosSyncError as error:
        return Check(name, False, f"could not check: {error.message}", None, required=False)
    if paused:
        detail = f"paused: {', '.join(paused)} (Immich does none of that work meanwhile)"
        return Check(name, False, detail, RESUME_HINT, required=False)
    return Check(name, True, "running; a large import holds thumbnails while it uploads")


HOLD_HINT = "with an administrator's key, a large import pauses them and uploads faster"
RESUME_HINT = (
    "Resume them in Immich (Administration > Job Queues); the next photos-sync run resumes "
    "those a stopped run of its own paused"
)


def apply_recommended(client: ImmichClient) -> str:
    """Turn on the recommended storage template and face import; refuses (with the snippet
    to paste) when the server's settings come from a config file. Says what it did."""
    wanted = {"storageTemplate": recommended_storage_template(), "metadata": FACE_IMPORT}
    if client.server_features().get("configFile"):
        raise ConfigError(
            "This Immich takes its settings from a config file (IMMICH_CONFIG_FILE), so they "
            "cannot be changed through the API",
            f"Put this into that file and restart Immich: {json.dumps(wanted)}",
        )
    config = client.system_config()
    template_on = config.get("storageTemplate") == recommended_storage_template()
    faces_on = bool(config.get("metadata", {}).get("faces", {}).get("import"))
    if template_on and faces_on:
        return "The recommended settings were already on; nothing changed."
    config["storageTemplate"] = recommended_storage_template()
    config.setdefault("metadata", {}).setdefault("faces", {})["import"] = True
    client.update_system_config(config)
    said = (
        "The recommended storage template was already on."
        if template_on
        else f"Storage template on: {RECOMMENDED_TEMPLATE}. Immich applies it to new uploads;"
        " its 'Storage Template Migration' job moves the files already there.",
        "Face import was already on."
        if faces_on
        else "Face import on: Immich makes the people named in a new upload's sidecar (by"
        " name, as its own faces).",
    )
    return " ".join(said)


SHOWN_ORIGINS = ("IMMICH_URL", "IMMICH_API_KEY", "PHOTOS_LIBRARY", "PHOTOS_SYNC_DATA")


def _configuration(settings: Settings, origins: Mapping[str, str]) -> Check:
    """The settings were read without error, and where the main ones come from; with
    nothing set yet, it says so rather than "valid"."""
    if not (settings.immich_url or settings.immich_api_key or settings.photos_library):
        return Check(
            "Configuration",
            True,
            "no errors, but nothing set yet (see the lines below)",
            "Run `photos-sync setup`",
        )
    shown = [f"{name} from {origins[name]}" for name in SHOWN_ORIGINS if name in origins]
    reference = settings.immich_api_key.reference if settings.immich_api_key else None
    if reference:
        shown.append(f"the API key read from 1Password ({reference})")
    return Check(
        "Configuration", True, f"valid: {'; '.join(shown)} (strongest first: {PRECEDENCE})"
    )


def run_checks(settings: Settings, origins: Mapping[str, str] = {}) -> list[Check]:
    """Every check, in the order shown; ``origins``: where each setting came from."""
    backup_configured = settings.backup_immich_path is not None
    immich = settings.backup_immich_path
    dump = [check_database_dump(immich)] if immich is not None and immich.is_dir() else []
    return [
        _configuration(settings, origins),
        check_library(settings),
        check_data_dir(settings.data_dir),
        check_tracker(settings.tracker_path),
        check_free_space(settings.data_dir, MIN_FREE_BYTES),
        *check_immich(settings),
        check_rclone(settings, required=backup_configured),
        check_op(required=backup_configured),
        *dump,
    ]


def apply_recommended_settings(work: Workspace) -> str:
    """``doctor --apply-recommended``: the original tool's recommended Immich settings."""
    with work.immich_client() as client:
        return apply_recommended(client)

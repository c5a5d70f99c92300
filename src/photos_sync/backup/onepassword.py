"""Secrets from 1Password, read through its CLI (``op``) at run time: backup's item, and
any single secret named by a reference (an API key given as ``op://vault/item/field``).

The item (default "Immich Backup B2") holds ``application_key_id``, ``application_key``,
``bucket_name`` and ``encryption_password``. They are read with ``op item get --format
json``: nothing secret is ever on a command line, and nothing read is logged or written.
``OP_SERVICE_ACCOUNT_TOKEN`` in the environment works as it does for ``op`` itself.
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field

from photos_sync.backup.tools import PROBE_TIMEOUT, op_error_text
from photos_sync.errors import PhotosSyncError
from photos_sync.redact import register_secret

DEFAULT_ITEM = "Immich Backup B2"
FIELDS = ("application_key_id", "application_key", "bucket_name", "encryption_password")


class SecretsError(PhotosSyncError):
    """1Password could not give what backup needs."""


@dataclass(frozen=True)
class BackupSecrets:
    application_key_id: str = field(repr=False)
    application_key: str = field(repr=False)
    bucket_name: str
    encryption_password: str = field(repr=False)

    def __post_init__(self) -> None:
        for value in self.values():
            register_secret(value)

    def values(self) -> tuple[str, ...]:
        """Everything secret, for redaction checks."""
        return (self.application_key_id, self.application_key, self.encryption_password)


def _signed_out(message: str) -> SecretsError | None:
    if "not currently signed in" in message or "session expired" in message:
        return SecretsError(
            "1Password CLI is not signed in", "Run `op signin` (check with `op account get`)"
        )
    return None


def _explain(message: str, item: str) -> SecretsError:
    signed_out = _signed_out(message)
    if signed_out is not None:
        return signed_out
    if "isn't an item" in message:
        return SecretsError(
            f'1Password has no item "{item}"',
            "Run `photos-sync backup setup`, or create it with the four fields",
        )
    if "isn't a vault" in message:
        return SecretsError(f"1Password: {message}", "Check the vault name (BACKUP_OP_VAULT)")
    return SecretsError(f"1Password CLI failed: {message}")


def _op() -> str:
    binary = shutil.which("op")
    if binary is None:
        raise SecretsError(
            "1Password CLI (op) is not installed",
            "Install it from 1Password and run `op signin`; see `photos-sync backup check`",
        )
    return binary


def _item_command(*args: str, vault: str | None) -> list[str]:
    """``op item ... --format json``, in the given vault when there is one."""
    return [_op(), "item", *args, "--format", "json", *(["--vault", vault] if vault else [])]


def _call(
    argv: list[str],
    item: str,
    stdin: str | None = None,
    explain: Callable[[str], SecretsError] | None = None,
) -> str:
    try:
        result = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT,
            input=stdin,
            stdin=None if stdin is not None else subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise SecretsError("1Password CLI did not answer in time", "Unlock 1Password") from None
    if result.returncode != 0:
        message = op_error_text(result.stderr)
        raise explain(message) if explain else _explain(message, item)
    return result.stdout


def read_reference(reference: str) -> str:
    """The value a secret reference names (``op read``; the reference, not the value, is
    on the command line)."""

    def explain(message: str) -> SecretsError:
        return _signed_out(message) or SecretsError(
            f"1Password could not read {reference}: {message}",
            f"Check the reference: `op read {reference}` must print the value",
        )

    value = _call([_op(), "read", "--no-newline", reference], "", explain=explain).strip()
    if not value:
        raise SecretsError(f"{reference} is empty in 1Password", "Put the value in that field")
    return value


def create_item(item: str = DEFAULT_ITEM, vault: str | None = None) -> None:
    """The backup item, with a new random encryption password and empty fields for the B2
    key, sent to ``op`` as a JSON template on stdin (never on the command line)."""
    template = {
        "title": item,
        "category": "LOGIN",
        "fields": [
            {
                "id": "application_key_id",
                "label": "application_key_id",
                "type": "STRING",
                "value": "",
            },
            {"id": "application_key", "label": "application_key", "type": "CONCEALED", "value": ""},
            {"id": "bucket_name", "label": "bucket_name", "type": "STRING", "value": ""},
            {
                "id": "encryption_password",
                "label": "encryption_password",
                "type": "CONCEALED",
                "value": secrets.token_urlsafe(32),
            },
        ],
    }
    _call(_item_command("create", "--title", item, vault=vault), item, stdin=json.dumps(template))


def read_secrets(
    item: str = DEFAULT_ITEM, vault: str | None = None, required: tuple[str, ...] = FIELDS
) -> BackupSecrets:
    """The item's four fields; those in ``required`` must be filled in (a local disk needs
    only the encryption password)."""
    answer = _call(_item_command("get", item, vault=vault), item)
    try:
        fields = json.loads(answer).get("fields", [])
    except (ValueError, AttributeError):
        raise SecretsError("1Password CLI answered something that is not an item") from None
    found = {str(f.get("label", "")).lower(): f.get("value") for f in fields}
    missing = [name for name in required if not found.get(name)]
    if missing:
        raise SecretsError(
            f'1Password item "{item}" lacks {", ".join(missing)}',
            "Open the item in 1Password and fill them in",
        )
    return BackupSecrets(*(str(found.get(name) or "") for name in FIELDS))

"""The checks both ``doctor`` and ``backup check`` run: each answers one question about
this machine or the configuration with one line, and the fix where it failed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from photos_sync.backup.tools import find_rclone, op_signed_in, rclone_version
from photos_sync.config import Settings
from photos_sync.errors import PhotosSyncError
from photos_sync.workflow.database_dump import newest_local_dump


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str | None = None
    required: bool = True

    @property
    def symbol(self) -> str:
        if self.ok:
            return "✓"
        return "✗" if self.required else "!"

    def to_json(self) -> dict[str, object]:
        return {
            "check": self.name,
            "ok": self.ok,
            "required": self.required,
            "detail": self.detail,
            "fix": self.fix,
        }


def failed(name: str, error: PhotosSyncError, required: bool = True) -> Check:
    return Check(name, False, error.message, error.hint, required)


def check_rclone(settings: Settings, required: bool) -> Check:
    binary = find_rclone(settings.rclone_binary)
    if binary is None:
        where = f"RCLONE_BINARY={settings.rclone_binary}" if settings.rclone_binary else "rclone"
        return Check(
            "rclone",
            False,
            f"{where} not found",
            "Reinstall photos-sync (it brings rclone)",
            required,
        )
    answer = rclone_version(binary)
    return Check("rclone", answer.ok, f"{answer.detail} ({binary})", None, required)


def check_op(required: bool) -> Check:
    answer = op_signed_in()
    fix = None if answer.ok else "Install the 1Password CLI and run `op signin` (docs/backup.md)"
    return Check("1Password CLI", answer.ok, answer.detail, fix, required)


DUMP_STALE_HOURS = 48.0  # Immich dumps its database nightly by default


def check_database_dump(immich: Path) -> Check:
    """How old Immich's newest database dump is: without one, a restore lacks albums."""
    newest = newest_local_dump(immich)
    hint = "Immich dumps its database nightly (Administration > Settings > Backup)"
    if newest is None:
        return Check(
            "Database dump", False, "none in backups/: a restore lacks albums", hint, False
        )
    name, hours = newest
    fresh = hours <= DUMP_STALE_HOURS
    detail = f"{name}, {hours:.0f} h old"
    return Check("Database dump", fresh, detail, None if fresh else hint, False)

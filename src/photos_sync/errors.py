"""The errors a user can act on.

Every failure we expect (bad configuration, unreadable library, a second instance running,
an unreachable server) is raised as a :class:`PhotosSyncError`. The CLI prints such an error
as one line — what is wrong and what to do — and exits non-zero, without a traceback unless
``--debug`` is given. Anything else is a bug and is reported as such.
"""

from __future__ import annotations

import errno
import sqlite3


class PhotosSyncError(Exception):
    """A problem the user can fix; ``hint`` says how."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def one_line(self) -> str:
        """The message and the hint as the single line the CLI prints."""
        return f"{self.message}. {self.hint}" if self.hint else self.message


class ConfigError(PhotosSyncError):
    """A configuration value is missing or invalid."""

    exit_code = 2


class LibraryError(PhotosSyncError):
    """The Photos library cannot be found or read."""


class LibraryChangedError(LibraryError):
    """The tracker belongs to another Photos library: its assets would all look deleted."""

    exit_code = 5


class TrackerError(PhotosSyncError):
    """The tracker database cannot be opened, migrated or written."""


class AlreadyRunningError(TrackerError):
    """Another photos-sync process holds the data folder."""

    exit_code = 3


class ImmichError(PhotosSyncError):
    """The Immich server refused or could not be reached."""


class ServerChangedError(ImmichError):
    """The tracker's ids belong to another server or user (``--rebind`` takes this one)."""

    exit_code = 5


class ImmichAuthError(ImmichError):
    """The key is invalid or lacks a permission: nothing more can be done this run."""

    exit_code = 4


class ImmichRejected(ImmichError):
    """The server refused this one request (4xx): the asset fails, the run goes on."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"Immich refused it ({status}): {message}")
        self.status = status
        self.server_message = message


class ImmichUnavailable(ImmichError):
    """The server failed or could not be reached, even after retrying."""


class BackupError(PhotosSyncError):
    """rclone could not do what a backup, a check or a restore asked of it."""


class FileChangedError(PhotosSyncError):
    """A file's bytes changed between hashing and uploading: what arrived is not what was
    checked, so it must not be recorded as imported."""

    def __init__(self) -> None:
        super().__init__(
            "the file changed while it was uploaded; the next run uploads it as it is now"
        )


DISK_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def _disk_full(error: BaseException) -> str | None:
    """One line for a full disk (or quota), whoever noticed it: Python or SQLite."""
    text = str(error).lower()
    if (isinstance(error, OSError) and error.errno in DISK_FULL) or "disk is full" in text:
        return (
            "The disk of the data folder is full (or over quota); nothing half-written was "
            "kept. Free some space (or point PHOTOS_SYNC_DATA elsewhere) and run again"
        )
    return None


def _locked(error: BaseException) -> str | None:
    """One line for a tracker another program holds, whenever SQLite gave up waiting."""
    if isinstance(error, sqlite3.OperationalError) and "database is locked" in str(error):
        return (
            "The tracker is locked by another program (a database browser, a copy in "
            "progress). Close it and run again; nothing half-written was kept"
        )
    return None


def _read_only(error: BaseException) -> str | None:
    """One line for a write refused by a read-only disk (the data folder's, usually)."""
    if isinstance(error, OSError) and error.errno == errno.EROFS:
        where = f" ({error.filename})" if error.filename else ""
        return (
            f"The data folder is on a read-only disk{where}: photos-sync keeps its tracker "
            "and logs there. Mount it for writing, or point PHOTOS_SYNC_DATA (--data-dir) "
            "at a folder that can be written; status, review and report still read it"
        )
    return None


def explain_known_failure(error: BaseException) -> str | None:
    """One line for a failure that is not a bug (a full disk, a read-only disk, a tracker
    locked by another program), whoever noticed it; None for anything else."""
    return _disk_full(error) or _read_only(error) or _locked(error)

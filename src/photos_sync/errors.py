"""The errors a user can act on.

Every failure we expect (bad configuration, unreadable library, a second instance running,
an unreachable server) is raised as a :class:`PhotosSyncError`. The CLI prints such an error
as one line — what is wrong and what to do — and exits non-zero, without a traceback unless
``--debug`` is given. Anything else is a bug and is reported as such.
"""

from __future__ import annotations


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


class FileChangedError(PhotosSyncError):
    """A file's bytes changed between hashing and uploading: what arrived is not what was
    checked, so it must not be recorded as imported."""

    def __init__(self) -> None:
        super().__init__(
            "the file changed while it was uploaded; the next run uploads it as it is now"
        )

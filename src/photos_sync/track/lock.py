"""One photos-sync at a time per data folder.

Two imports writing the same tracker would each upload what the other is uploading. The
lock is an OS file lock (``flock``) on ``<data>/photos-sync.lock``: the kernel drops it when
the holder dies, even by SIGKILL, so a crash never leaves a stale lock behind. The file
also names the holder, for the message the second process prints.
"""

from __future__ import annotations

import fcntl
import os
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from photos_sync.errors import AlreadyRunningError

LOCK_NAME = "photos-sync.lock"


class DataDirLock:
    """Exclusive, non-blocking hold on a data folder, as a context manager."""

    def __init__(self, data_dir: Path, command: str, name: str = LOCK_NAME) -> None:
        self.path = data_dir / name
        self.command = command
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 512).decode("utf-8", "replace").strip() or "another process"
            os.close(fd)
            raise AlreadyRunningError(
                f"Another photos-sync is already using {self.path.parent} ({holder})",
                "Wait for it to finish, or stop it; two at once would upload twice",
            ) from None
        os.ftruncate(fd, 0)
        started = datetime.now(UTC).isoformat(timespec="seconds")
        os.write(fd, f"pid {os.getpid()}, '{self.command}' since {started}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> DataDirLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()

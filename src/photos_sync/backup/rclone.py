"""Small rclone operations beside ``sync``: the canary, cryptcheck, copy back."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path

from photos_sync.backup.remotes import CRYPT_ROOT
from photos_sync.backup.stats import Event, parse_line
from photos_sync.errors import BackupError

# In the data folder: locks and the log being written are not worth keeping, and the live
# tracker is backed up as a consistent snapshot instead (see snapshot_tracker). Patterns of
# file names at the top of a source folder.
LEFT_OUT = ("*.lock", "backup.log", "tracker.db*")
# Folders left out: photos-sync's run logs (each run writes one, the backup's own included,
# so a backup of them is never complete; they list file names, nothing a restore needs).
LEFT_OUT_FOLDERS = ("logs",)
LEFT_OUT_RULES = (*LEFT_OUT, *(f"{folder}/**" for folder in LEFT_OUT_FOLDERS))
EXCLUDES = tuple(flag for pattern in LEFT_OUT_RULES for flag in ("--exclude", f"/{pattern}"))


def left_out(relative: Path) -> bool:
    """Whether the backup leaves out this file (its path within its source folder), as the
    rclone filters in EXCLUDES do."""
    if len(relative.parts) > 1:
        return relative.parts[0] in LEFT_OUT_FOLDERS
    return any(fnmatch(relative.name, p) for p in LEFT_OUT)


DELETED_ROOT = "photos-sync-deleted"  # in the backup: what a sync deleted, by run
NOT_DELETED = ("--exclude", f"/{DELETED_ROOT}/**")  # a restore of everything leaves it out

SNAPSHOT = "tracker-snapshot.db"

CANARY = ".photos-sync-canary"
CANARY_TEXT = "photos-sync encrypted backup\n"


# How rclone and the system say a disk is full (rclone's own check before it writes a
# file, and the system's ENOSPC).
DISK_FULL = ("remaining disk space", "no space left on device")


def last_error(stderr: str) -> str:
    errors = [
        p.message.strip()
        for line in stderr.splitlines()
        if isinstance(p := parse_line(line), Event) and p.level in ("error", "critical")
    ]
    plain = [line for line in stderr.splitlines() if "ERROR" in line or "CRITICAL" in line]
    return (errors or plain or [stderr.strip()[-300:] or "no message"])[-1]


@dataclass(frozen=True)
class Rclone:
    """rclone with one destination's environment (its crypt remote and keys, only ever in
    the environment, never on a command line). A failure raises :class:`BackupError` with
    rclone's own last error line."""

    binary: Path
    env: dict[str, str] = field(repr=False)  # holds the keys: never shown

    def _run(self, *args: str, data: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.binary), *args],
            env={**os.environ, **self.env},
            input=data,
            capture_output=True,
            text=True,
            check=False,
            stdin=None if data is not None else subprocess.DEVNULL,
        )

    def write_canary(self) -> None:
        """Write and read back a small file through the crypt remote."""
        wrote = self._run("rcat", f"{CRYPT_ROOT}{CANARY}", data=CANARY_TEXT)
        if wrote.returncode != 0:
            raise BackupError(
                f"could not write through the encrypted remote: {last_error(wrote.stderr)}"
            )
        self.check_canary()

    def check_canary(self) -> None:
        """A wrong password or a different remote shows here, before anything is synced."""
        read = self._run("cat", f"{CRYPT_ROOT}{CANARY}")
        if read.returncode != 0:
            raise BackupError(f"the backup cannot be decrypted: {last_error(read.stderr)}")
        if read.stdout != CANARY_TEXT:
            raise BackupError("the backup's canary file does not match: wrong password or remote")

    def cryptcheck(
        self, source: str, remote: str, only: list[str] | None = None, whole: bool = False
    ) -> str:
        """Every file of ``source`` against its encrypted copy, by checksum; with ``only``,
        just those files (a restore is judged on what the backup holds, not on what else is
        there); ``whole``: the whole backup, without its folder of deleted files. rclone's
        summary; a BackupError with it when a file differs or is missing."""
        extra = NOT_DELETED if whole else ()
        filters = ("--files-from-raw", "-") if only is not None else (*EXCLUDES, *extra)
        result = self._run(
            "cryptcheck",
            source,
            remote,
            "--use-json-log",
            *filters,
            data="".join(f"{name}\n" for name in only) if only is not None else None,
        )
        summary = [
            p.message.strip()
            for line in result.stderr.splitlines()
            if isinstance(p := parse_line(line), Event) and p.level in ("notice", "error")
        ]
        text = summary[-1] if summary else last_error(result.stderr)
        if result.returncode != 0:
            raise BackupError(text)
        return text

    def copy_back(self, remote: str, target: Path, whole: bool) -> None:
        """Copy a backup folder back; the whole backup without its folder of deleted files."""
        extra = NOT_DELETED if whole else ()
        result = self._run("copy", remote, str(target), "--use-json-log", *EXCLUDES, *extra)
        if result.returncode == 0:
            return
        if any(words in result.stderr.lower() for words in DISK_FULL):
            raise BackupError(
                f"Restore failed: the disk holding {target} is full",
                "Free space there, or restore to a bigger disk (--to); what was copied so"
                " far can stay: a restore with --force copies the rest",
            )
        raise BackupError(f"Restore failed: {last_error(result.stderr)}")

    def listing(self, remote: str, whole: bool) -> list[str]:
        """The files of a backup folder (decrypted names), as a restore copies them."""
        extra = NOT_DELETED if whole else ()
        result = self._run("lsf", "-R", "--files-only", remote, *EXCLUDES, *extra)
        if result.returncode != 0:
            raise BackupError(f"Cannot list the backup: {last_error(result.stderr)}")
        return [line for line in result.stdout.splitlines() if line]

    def sizes(self, remote: str) -> dict[str, int]:
        """Each file of a backup folder (decrypted name) -> its size as it restores."""
        result = self._run(
            "lsf", "-R", "--files-only", "--format", "sp", "--separator", "\t", remote, *EXCLUDES
        )
        if result.returncode != 0:
            if "directory not found" in result.stderr:
                return {}
            raise BackupError(f"Cannot list the backup: {last_error(result.stderr)}")
        held = {}
        for line in result.stdout.splitlines():
            size, _, name = line.partition("\t")
            if name:
                held[name] = int(size)
        return held

    def fetch(self, remote_file: str, target: Path) -> None:
        """Copy one file of the backup back (decrypted) to ``target``."""
        result = self._run("copyto", remote_file, str(target))
        if result.returncode != 0:
            raise BackupError(f"Restore failed: {last_error(result.stderr)}")

    def holds_anything(self, root: str) -> bool:
        """Whether the storage under the crypt remote has any file (read undecrypted)."""
        result = self._run("lsf", "-R", "--files-only", "--max-depth", "2", root)
        return result.returncode == 0 and bool(result.stdout.strip())

    def download_compare(self, source: str, remote: str, files: list[str]) -> str | None:
        """Download the listed files through crypt and compare them with the source's bytes;
        a note when there was nothing to read, a BackupError when one differs."""
        if not files:
            return "nothing to download"
        result = self._run(
            "check",
            source,
            remote,
            "--download",
            "--use-json-log",
            "--files-from-raw",
            "-",
            data="\n".join(files) + "\n",
        )
        if result.returncode != 0:
            raise BackupError(last_error(result.stderr))
        return None

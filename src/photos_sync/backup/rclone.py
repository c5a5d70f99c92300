"""Small rclone operations beside ``sync``: the canary, cryptcheck, copy back."""

from __future__ import annotations

import os
import subprocess
from fnmatch import fnmatch
from pathlib import Path

from photos_sync.backup.remotes import CRYPT_ROOT
from photos_sync.backup.stats import Event, parse_line

# In the data folder: locks and the log being written are not worth keeping, and the live
# tracker is backed up as a consistent snapshot instead (see snapshot_tracker). Patterns of
# file names at the top of a source folder.
LEFT_OUT = ("*.lock", "backup.log", "tracker.db*")
EXCLUDES = tuple(flag for pattern in LEFT_OUT for flag in ("--exclude", f"/{pattern}"))


def left_out(relative: Path) -> bool:
    """Whether the backup leaves out this file (its path within its source folder), as the
    rclone filters in EXCLUDES do."""
    return len(relative.parts) == 1 and any(fnmatch(relative.name, p) for p in LEFT_OUT)


SNAPSHOT = "tracker-snapshot.db"

CANARY = ".photos-sync-canary"
CANARY_TEXT = "photos-sync encrypted backup\n"


def _run(
    rclone: Path,
    env: dict[str, str],
    *args: str,
    data: str | None = None,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(rclone), *args],
        env={**os.environ, **env},
        input=data,
        capture_output=True,
        text=True,
        check=False,
        stdin=None if data is not None else subprocess.DEVNULL,
    )


def last_error(stderr: str) -> str:
    errors = [
        p.message.strip()
        for line in stderr.splitlines()
        if isinstance(p := parse_line(line), Event) and p.level in ("error", "critical")
    ]
    plain = [line for line in stderr.splitlines() if "ERROR" in line or "CRITICAL" in line]
    return (errors or plain or [stderr.strip()[-300:] or "no message"])[-1]


def write_canary(rclone: Path, env: dict[str, str]) -> str | None:
    """Write and read back a small file through the crypt remote; None when it worked."""
    target = f"{CRYPT_ROOT}{CANARY}"
    wrote = _run(rclone, env, "rcat", target, data=CANARY_TEXT)
    if wrote.returncode != 0:
        return f"could not write through the encrypted remote: {last_error(wrote.stderr)}"
    return check_canary(rclone, env)


def check_canary(rclone: Path, env: dict[str, str]) -> str | None:
    """A wrong password or a different remote shows here, before anything is synced."""
    read = _run(rclone, env, "cat", f"{CRYPT_ROOT}{CANARY}")
    if read.returncode != 0:
        return f"the backup cannot be decrypted: {last_error(read.stderr)}"
    if read.stdout != CANARY_TEXT:
        return "the backup's canary file does not match: wrong password or remote"
    return None


def cryptcheck(rclone: Path, env: dict[str, str], source: str, remote: str) -> tuple[bool, str]:
    """Every file of ``source`` against its encrypted copy, by checksum."""
    result = _run(
        rclone,
        env,
        "cryptcheck",
        source,
        remote,
        "--use-json-log",
        *EXCLUDES,
    )
    summary = [
        p.message.strip()
        for line in result.stderr.splitlines()
        if isinstance(p := parse_line(line), Event) and p.level in ("notice", "error")
    ]
    return result.returncode == 0, (summary[-1] if summary else last_error(result.stderr))


def copy_back(rclone: Path, env: dict[str, str], remote: str, target: Path) -> tuple[bool, str]:
    result = _run(rclone, env, "copy", remote, str(target), "--use-json-log", *EXCLUDES)
    return result.returncode == 0, "" if result.returncode == 0 else last_error(result.stderr)


def download_compare(
    rclone: Path, env: dict[str, str], source: str, remote: str, files: list[str]
) -> tuple[bool, str]:
    """Download the listed files through crypt and compare them with the source's bytes."""
    if not files:
        return True, "nothing to download"
    listing = "\n".join(files) + "\n"
    result = _run(
        rclone,
        env,
        "check",
        source,
        remote,
        "--download",
        "--use-json-log",
        "--files-from-raw",
        "-",
        data=listing,
    )
    return result.returncode == 0, "" if result.returncode == 0 else last_error(result.stderr)

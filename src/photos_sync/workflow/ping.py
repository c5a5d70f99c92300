"""Telling a monitor how a nightly run went: ``GET <url>/start`` when it begins, ``GET
<url>`` when it ends well, ``POST <url>/fail`` with a one-line summary when it does not
(healthchecks.io's protocol; Uptime Kuma push monitors and ntfy topics accept it). A run
killed outright sends no success, which is how the monitor learns of it. A ping that fails
is logged and tried once more, and never fails the run."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from photos_sync.errors import PhotosSyncError
from photos_sync.redact import redact

log = logging.getLogger(__name__)
TIMEOUT = 10.0
TRIES = 2


def _ping(url: str, suffix: str = "", body: str | None = None) -> bool:
    import httpx  # here, not with the module: most runs have no monitor to tell

    target = url.rstrip("/") + suffix
    for attempt in range(1, TRIES + 1):
        try:
            if body is None:
                answer = httpx.get(target, timeout=TIMEOUT)
            else:
                answer = httpx.post(target, content=body.encode(), timeout=TIMEOUT)
            if answer.status_code < 400:
                return True
            problem = f"answered {answer.status_code}"
        except httpx.HTTPError as error:
            problem = type(error).__name__
        log.warning("health check ping%s failed (try %d): %s", suffix, attempt, problem)
    return False


@dataclass
class RunReport:
    """What the command says of its run before the success or failure ping."""

    ok: bool = True
    line: str = ""


@contextmanager
def health_pings(url: str | None, command: str) -> Iterator[RunReport]:
    """Ping ``url`` around a run; the command fills the report (a failure raised inside
    sends /fail with the error's one line)."""
    report = RunReport()
    if not url:
        yield report
        return
    _ping(url, "/start")
    try:
        yield report
    except KeyboardInterrupt:
        _ping(url, "/fail", f"photos-sync {command}: interrupted")
        raise
    except PhotosSyncError as error:
        _ping(url, "/fail", redact(f"photos-sync {command} failed: {error.one_line()}"))
        raise
    except Exception as error:
        _ping(url, "/fail", redact(f"photos-sync {command} failed: {type(error).__name__}"))
        raise
    if report.ok:
        _ping(url)
    else:
        _ping(url, "/fail", redact(f"photos-sync {command}: {report.line}"))

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


def _ping(url: str, suffix: str = "", body: str | None = None) -> str | None:
    """One ping, tried :data:`TRIES` times; what went wrong with the last try, if all did."""
    import httpx  # here, not with the module: most runs have no monitor to tell

    target = url.rstrip("/") + suffix
    problem = None
    for attempt in range(1, TRIES + 1):
        try:
            if body is None:
                answer = httpx.get(target, timeout=TIMEOUT)
            else:
                answer = httpx.post(target, content=body.encode(), timeout=TIMEOUT)
            if answer.status_code < 400:
                return None
            problem = f"answered {answer.status_code}"
        except httpx.HTTPError as error:
            problem = type(error).__name__
        log.info("health check ping%s failed (try %d): %s", suffix, attempt, problem)
    return problem


class _Pings:
    """The pings of one run, and what failed of them: said once, when the run ends (an
    unreachable monitor is one fact, not a warning per ping and try)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.failed: list[str] = []

    def send(self, what: str, suffix: str = "", body: str | None = None) -> None:
        problem = _ping(self.url, suffix, body)
        if problem is not None:
            self.failed.append(f"{what}: {problem}")

    def tell(self) -> None:
        if self.failed:
            import httpx

            place = httpx.URL(self.url)  # its path is the monitor's secret: left out
            log.warning(
                "Could not reach the monitor at %s:%s (%s); the run itself is not affected",
                place.host,
                place.port or ("443" if place.scheme == "https" else "80"),
                ", ".join(self.failed),
            )


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
    pings = _Pings(url)
    pings.send("start", "/start")
    try:
        yield report
    except KeyboardInterrupt:
        pings.send("end", "/fail", f"photos-sync {command}: interrupted")
        raise
    except PhotosSyncError as error:
        pings.send("end", "/fail", redact(f"photos-sync {command} failed: {error.one_line()}"))
        raise
    except Exception as error:
        pings.send("end", "/fail", redact(f"photos-sync {command} failed: {type(error).__name__}"))
        raise
    else:
        if report.ok:
            pings.send("end")
        else:
            pings.send("end", "/fail", redact(f"photos-sync {command}: {report.line}"))
    finally:
        pings.tell()

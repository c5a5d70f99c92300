"""Knowing when a night went wrong (issue 16, part 2): sync pings HEALTHCHECK_URL at the
start, on success, on failure with a one-line summary (never a secret); a killed run sends
no success; an unreachable monitor never fails the run. A real HTTP server on 127.0.0.1
records the pings."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import CliResult
from tests.support.immich_double import ImmichDouble

Run = Callable[..., CliResult]
TEST_26 = "Test-26.1.photoslibrary"
MEDIA_TYPES = "Test-Media-Types-15.7.2.photoslibrary"
PHOTOS_SYNC = str(Path(sys.executable).parent / "photos-sync")


class Monitor:
    """A healthchecks.io stand-in: records (method, path, body) of every ping."""

    def __init__(self) -> None:
        self.pings: list[tuple[str, str, str]] = []
        monitor = self

        class Handler(BaseHTTPRequestHandler):
            def _record(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                monitor.pings.append((self.command, self.path, body))
                self.send_response(200)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"OK")

            do_GET = do_POST = _record

            def log_message(self, format: str, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/ping/abc-123"

    def paths(self) -> list[str]:
        return [path.removeprefix("/ping/abc-123") or "/" for _, path, _ in self.pings]


@pytest.fixture
def monitor() -> Iterator[Monitor]:
    found = Monitor()
    yield found
    found.server.shutdown()
    found.server.server_close()


def test_a_good_night_pings_start_then_success(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    monitor: Monitor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configure(shared_libraries[TEST_26])
    monkeypatch.setenv("HEALTHCHECK_URL", monitor.url)
    assert run_cli("sync").exit_code == 0
    assert monitor.paths() == ["/start", "/"]


def test_a_failed_night_pings_fail_with_one_line_and_no_secret(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    monitor: Monitor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configure(shared_libraries[TEST_26])
    monkeypatch.setenv("HEALTHCHECK_URL", monitor.url)
    monkeypatch.setenv("IMMICH_RETRIES", "1")
    key = os.environ["IMMICH_API_KEY"]
    immich.fail_next(1, 503, operation="checkBulkUpload")
    assert run_cli("sync").exit_code != 0
    assert monitor.paths() == ["/start", "/fail"]
    method, _, body = monitor.pings[-1]
    assert method == "POST" and "\n" not in body.strip()
    assert body.startswith("photos-sync sync failed: Immich at") and "503" in body
    assert key not in body and monitor.url not in body


def test_an_asset_that_fails_pings_fail_with_the_counts(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    monitor: Monitor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configure(shared_libraries[TEST_26])
    monkeypatch.setenv("HEALTHCHECK_URL", monitor.url)
    monkeypatch.setenv("IMMICH_RETRIES", "1")
    immich.fail_next(1, 500, operation="uploadAsset")
    assert run_cli("sync").exit_code == 1
    assert monitor.paths() == ["/start", "/fail"]
    body = monitor.pings[-1][2]
    assert "failed 1 (first: " in body and "uploaded " in body


def test_issue30_case_23_an_unreachable_monitor_is_one_warning_and_never_fails_the_run(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Not four WARNING lines a night (two pings, two tries each) for one fact."""
    configure(shared_libraries[TEST_26])
    monkeypatch.setenv("HEALTHCHECK_URL", "http://127.0.0.1:9/nobody-listens")
    result = run_cli("sync")
    assert result.exit_code == 0, result.stderr
    said = [line for line in result.stderr.splitlines() if "monitor" in line.lower()]
    assert len(said) == 1, result.stderr
    assert "127.0.0.1:9" in said[0] and "start" in said[0] and "end" in said[0]
    assert "nobody-listens" not in said[0]  # the path is the monitor's secret


def test_a_killed_run_sends_no_success(
    library_copy: Callable[[str], Path], tmp_path: Path, monitor: Monitor
) -> None:
    library = library_copy(MEDIA_TYPES)
    with ImmichDouble(latency=0.5) as immich:
        env = {
            **os.environ,
            "IMMICH_URL": immich.url,
            "IMMICH_API_KEY": immich.add_key(["all"]),
            "PHOTOS_SYNC_DATA": str(tmp_path / "data"),
            "PHOTOS_LIBRARY": str(library),
            "HEALTHCHECK_URL": monitor.url,
        }
        process = subprocess.Popen(
            [PHOTOS_SYNC, "sync"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while not monitor.pings and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1.0)  # uploading now
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert monitor.paths() == ["/start"]

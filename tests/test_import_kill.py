"""Kill the import anywhere; the re-run loses nothing and duplicates nothing."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.immich_double import ImmichDouble
from tests.support.outcomes import assert_tracker_matches_server, tracker_rows

PHOTOS_SYNC = str(Path(sys.executable).parent / "photos-sync")
MEDIA_TYPES = "Test-Media-Types-15.7.2.photoslibrary"
KILL_POINTS = 20
UPLOADS_EXPECTED = 13

pytestmark = pytest.mark.slow  # a third of the suite: 20 kills and re-runs


def _start(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [PHOTOS_SYNC, "import", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )


def _run_to_the_end(env: dict[str, str]) -> None:
    finished = subprocess.run(
        [PHOTOS_SYNC, "import"],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr


def _upload_window(library: Path, tmp: Path) -> tuple[float, float]:
    """When, after start, an undisturbed run begins uploading and ends talking to the
    server (before the first upload it reads the library, and says nothing)."""
    with ImmichDouble(latency=0.04) as immich:
        env = immich.process_env(library, tmp)
        started = time.monotonic()
        process = _start(env, "--concurrency", "2")
        while not immich.calls("uploadAsset") and process.poll() is None:
            time.sleep(0.01)
        first = time.monotonic() - started
        process.communicate(timeout=120)
        assert process.returncode == 0
        return first, time.monotonic() - started


def test_sigkill_at_twenty_points_then_rerun(
    library_copy: Callable[[str], Path], tmp_path: Path
) -> None:
    library = library_copy(MEDIA_TYPES)
    _upload_window(library, tmp_path / "cold")  # a first run is slower (cold caches)
    first, last = _upload_window(library, tmp_path / "warm")
    landed = set()
    for point in range(1, KILL_POINTS + 1):
        with ImmichDouble(latency=0.04) as immich:
            data = tmp_path / f"data-{point}"
            env = immich.process_env(library, data)
            process = _start(env, "--concurrency", "2")
            time.sleep(first + (last - first) * point / (KILL_POINTS + 1))
            process.kill()
            process.communicate()  # reaps it and closes its pipes
            landed.add(len(immich.requests))
            _run_to_the_end(env)
            rows = tracker_rows(data)
            assert sum(r["status"] == "imported" for r in rows.values()) == UPLOADS_EXPECTED
            assert_tracker_matches_server(data, immich)
            assert immich.violations == []
    # The kills fell at many different moments of the conversation with the server (a
    # third of them apart at least: the metadata at the end goes four requests at a time,
    # so kills there land on fewer distinct counts than one request at a time did).
    assert len(landed) >= KILL_POINTS // 3, sorted(landed)


def test_ctrl_c_finishes_in_flight_uploads_and_says_so(
    library_copy: Callable[[str], Path], tmp_path: Path
) -> None:
    library = library_copy(MEDIA_TYPES)
    with ImmichDouble(latency=0.15) as immich:
        data = tmp_path / "data"
        env = immich.process_env(library, data)
        process = _start(env)
        while immich.calls("uploadAsset") < 2:
            time.sleep(0.02)
            assert process.poll() is None
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
        assert process.returncode == 130, err
        assert "Stopping (Ctrl-C) after the uploads in flight" in err
        assert "Interrupted" in out
        assert "Traceback" not in err
        done = {u for u, r in tracker_rows(data).items() if r["status"] == "imported"}
        assert 0 < len(done) < UPLOADS_EXPECTED
        assert_tracker_matches_server(data, immich)
        _run_to_the_end(env)
        assert_tracker_matches_server(data, immich)

"""Stopping a run from outside (issue 30, cases 15 and 16): SIGTERM, what systemd and
launchd send on stop or shutdown, is handled like Ctrl-C; either one stops a sync at once
after the uploads in flight, records the run as interrupted, and says what to run next.
Real processes against the Immich double."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from photos_sync.backup.tools import find_rclone
from tests.support.backup import Run, setup_local
from tests.support.immich_double import ImmichDouble

PHOTOS_SYNC = str(Path(sys.executable).parent / "photos-sync")
MEDIA_TYPES = "Test-Media-Types-15.7.2.photoslibrary"
METADATA_AND_CLEANUP = (
    "createAlbum",
    "addAssetsToAlbum",
    "upsertTags",
    "bulkTagAssets",
    "updateAsset",
    "updateAssets",
    "createStack",
    "deleteAssets",
    "createPerson",
    "createFace",
)

pytestmark = pytest.mark.slow


def _last_run(data: Path) -> tuple[str, str | None]:
    with closing(sqlite3.connect(data / "tracker.db")) as connection:
        command, outcome = connection.execute(
            "SELECT command, outcome FROM runs ORDER BY id DESC LIMIT 1"
        ).fetchone()
    return command, outcome


def _ctrl_c_as_at_a_terminal() -> None:
    """In the child, before it starts: Ctrl-C's default action, as a terminal gives it. A
    test run started in the background (``&``, nohup) hands its children SIGINT ignored,
    and Python then never raises KeyboardInterrupt: the test would see the command finish
    instead of stop."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _stopped_when(
    immich: ImmichDouble, env: dict[str, str], operation: str, sent: signal.Signals
) -> tuple[int, str, str]:
    """Start ``photos-sync sync``, send it ``sent`` once the double has seen it make an
    ``operation`` request; its exit code, stdout and stderr."""
    before = immich.calls(operation)
    process = subprocess.Popen(
        [PHOTOS_SYNC, "sync"],
        env={**env, "PYTHONFAULTHANDLER": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        preexec_fn=_ctrl_c_as_at_a_terminal,
    )
    deadline = time.monotonic() + 60
    while immich.calls(operation) == before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert immich.calls(operation) > before, f"the sync never got to {operation}"
    process.send_signal(sent)
    try:
        out, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:  # hung: where each of its threads stands
        process.send_signal(signal.SIGABRT)
        out, err = process.communicate()
        pytest.fail(f"photos-sync still running 60 s after {sent.name}:\n{err[-20_000:]}")
    return process.returncode, out, err


@pytest.mark.parametrize(
    ("sent", "code"),
    [(signal.SIGTERM, 143), (signal.SIGINT, 130)],
    ids=["issue30_case_15_sigterm", "issue30_case_16_ctrl_c"],
)
def test_a_stopped_sync_stops_at_once_and_says_so(
    sent: signal.Signals,
    code: int,
    library_copy: Callable[[str], Path],
    tmp_path: Path,
) -> None:
    library = library_copy(MEDIA_TYPES)
    data = tmp_path / "data"
    with ImmichDouble(latency=0.3) as immich:
        returned, out, err = _stopped_when(
            immich, immich.process_env(library, data), "uploadAsset", sent
        )
        after = [call.operation for call in immich.requests]
    assert returned == code, out + err
    assert not set(after) & set(METADATA_AND_CLEANUP)  # no metadata, no cleanup after it
    said = out + err
    assert "Traceback" not in said
    assert "photos-sync sync" in said and "run import again" not in said
    assert _last_run(data) == ("sync", "interrupted")


def _stopped_midway(
    args: list[str], rclone: Path, sent: signal.Signals, code: int
) -> tuple[str, str, float]:
    """Run ``photos-sync ARGS`` with a slow ``rclone``, send ``sent`` once it has asked
    1Password and started rclone (3 s), and check it ends with ``code`` and no traceback;
    its stdout and stderr, and the seconds it took after the signal."""
    process = subprocess.Popen(
        [PHOTOS_SYNC, *args],
        env={**os.environ, "RCLONE_BINARY": str(rclone)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        preexec_fn=_ctrl_c_as_at_a_terminal,
    )
    time.sleep(3)
    process.send_signal(sent)
    signalled = time.monotonic()
    out, err = process.communicate(timeout=60)
    assert process.returncode == code, out + err
    assert "Traceback" not in out + err
    return out, err, time.monotonic() - signalled


@pytest.mark.parametrize(
    ("sent", "code", "said"),
    [(signal.SIGTERM, 143, "SIGTERM"), (signal.SIGINT, 130, "Ctrl-C")],
    ids=["issue30_case_15_sigterm", "issue30_case_16_ctrl_c"],
)
def test_a_run_stopped_while_sending_metadata_says_so_in_one_line(
    sent: signal.Signals,
    code: int,
    said: str,
    library_copy: Callable[[str], Path],
    tmp_path: Path,
) -> None:
    library = library_copy(MEDIA_TYPES)
    data = tmp_path / "data"
    with ImmichDouble() as immich:
        env = immich.process_env(library, data)
        first = subprocess.run(
            [PHOTOS_SYNC, "import"], env=env, capture_output=True, text=True, check=False
        )
        assert first.returncode == 0, first.stderr
        with closing(sqlite3.connect(library / "database" / "Photos.sqlite")) as photos, photos:
            # a new title on every asset: one request each, four at a time, to send again
            photos.execute("UPDATE ZADDITIONALASSETATTRIBUTES SET ZTITLE = 'Renamed ' || Z_PK")
            photos.execute("UPDATE ZASSET SET ZMODIFICATIONDATE = ZMODIFICATIONDATE + 60")
        immich.latency = 0.5
        returned, out, err = _stopped_when(immich, env, "updateAsset", sent)
    assert returned == code, out + err
    assert "Traceback" not in out + err
    # the requests in flight end first: the thread waiting for them is never cut midway
    assert f"Stopping ({said}) after the requests in flight" in err
    assert [line for line in err.splitlines() if line.startswith("Interrupted")] == [
        f"Interrupted ({said}); run it again to continue."
    ]
    assert _last_run(data) == ("sync", "interrupted")


def _slow_rclone(folder: Path, command: str = "sync") -> Path:
    """rclone behind a script whose ``command`` (its syncs, its copies) first waits: a
    backup or a restore long enough to stop."""
    rclone = find_rclone()
    assert rclone is not None
    script = folder / "rclone"
    # "wait" gives way to a signal where a plain "sleep" would hold the script until it ends
    wait = "sleep 20 >/dev/null 2>&1 & wait $!"
    script.write_text(
        f'#!/bin/sh\nif [ "$1" = {command} ]; then {wait}; fi\nexec "{rclone}" "$@"\n'
    )
    script.chmod(0o755)
    return script


@pytest.mark.parametrize(
    ("sent", "code", "said"),
    [(signal.SIGTERM, 143, "SIGTERM"), (signal.SIGINT, 130, "Ctrl-C")],
    ids=["issue30_case_15_sigterm", "issue30_case_16_ctrl_c"],
)
def test_a_stopped_backup_stops_its_rclones_and_says_so(
    sent: signal.Signals,
    code: int,
    said: str,
    run_cli: Run,
    backup_env: Path,
    tmp_path: Path,
) -> None:
    setup_local(run_cli, backup_env)
    backup = ["backup", "--to", "disk"]
    out, err, seconds = _stopped_midway(backup, _slow_rclone(tmp_path), sent, code)
    assert f"Interrupted ({said}); run it again to continue." in err.splitlines(), out + err
    assert seconds < 10  # not after the slow syncs ran out
    status = run_cli("backup", "status", "--to", "disk")
    assert "RUNNING" not in status.stdout.upper(), status.stdout


def test_issue30_case_16_a_stopped_restore_says_so_in_one_line(
    run_cli: Run, backup_env: Path, tmp_path: Path
) -> None:
    """Ctrl-C during a restore printed nothing: now one line, exit 130, no traceback."""
    setup_local(run_cli, backup_env)
    assert run_cli("backup", "--to", "disk").exit_code == 0
    restore = ["restore", "--from", "disk", "--to", str(tmp_path / "restored")]
    out, err, _ = _stopped_midway(restore, _slow_rclone(tmp_path, "copy"), signal.SIGINT, 130)
    lines = [line for line in err.splitlines() if "Interrupted" in line]
    assert len(lines) == 1 and "Ctrl-C" in lines[0], out + err

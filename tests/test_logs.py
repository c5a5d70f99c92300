"""A log file per run, for the night nobody watched (issue 14, part 4): what each command
decided, the HTTP exchanges with --debug, never a secret; status and review point at it."""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult, run_json
from tests.support.immich_double import ImmichDouble
from tests.support.outcomes import tracker_rows

Run = Callable[..., CliResult]
TEST_26 = "Test-26.1.photoslibrary"


def _logs(data_dir: Path) -> list[Path]:
    return sorted((data_dir / "logs").glob("*.log"))


def test_every_command_leaves_a_private_log_of_what_it_decided(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    data_dir: Path,
) -> None:
    configure(shared_libraries[TEST_26])
    for command in ("import", "status", "verify", "cleanup", "review", "reclassify"):
        before = set(_logs(data_dir))
        assert run_cli(command).exit_code == 0, command
        new = set(_logs(data_dir)) - before
        assert len(new) == 1 and next(iter(new)).name.endswith(f"-{command}.log"), command
    folder = data_dir / "logs"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in _logs(data_dir))
    imported = next(p for p in _logs(data_dir) if p.name.endswith("-import.log")).read_text()
    rows = tracker_rows(data_dir)
    for uuid, row in rows.items():
        if row["status"] == "imported":
            assert f"imported {uuid} (" in imported
        elif row["status"] == "skipped":
            assert f"skipped {uuid} (" in imported and row["error_reason"] in imported
    assert "metadata sent to Immich:" in imported
    assert "HTTP " not in imported  # requests only with --debug


def test_debug_logs_each_request_but_never_the_key(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    data_dir: Path,
) -> None:
    configure(shared_libraries[TEST_26])
    assert run_cli("--debug", "import").exit_code == 0
    log = _logs(data_dir)[-1].read_text()
    assert "HTTP POST /assets -> 201 in " in log
    assert "HTTP POST /assets/bulk-upload-check -> 200 in " in log
    assert os.environ["IMMICH_API_KEY"] not in log


def test_a_failed_run_is_recorded_as_failed_and_its_log_says_why(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configure(shared_libraries[TEST_26])
    monkeypatch.setenv("IMMICH_RETRIES", "2")
    immich.fail_next(2, 503, operation="checkBulkUpload")
    assert run_cli("sync").exit_code != 0
    status = run_json(run_cli, "status")
    assert status["last_run"]["outcome"] == "failed"
    log = Path(status["last_run"]["summary"]["log"]).read_text()
    assert "retry 1 after: Immich at" in log and "answered 503" in log
    assert any(" ERROR " in line and "failed: Immich at" in line for line in log.splitlines())
    shown = run_cli("status").stdout
    assert f"its log: {status['last_run']['summary']['log']}" in shown


def test_review_shows_what_the_logs_say_of_one_asset(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    data_dir: Path,
) -> None:
    configure(shared_libraries[TEST_26])
    run_cli("import")
    skipped = next(u for u, r in tracker_rows(data_dir).items() if r["status"] == "skipped")
    shown = run_cli("review", "--log", skipped).stdout
    assert f"skipped {skipped} (" in shown and "-import.log: " in shown
    assert "No log line mentions" in run_cli("review", "--log", "NOT-A-UUID").stdout


def test_logs_older_than_two_weeks_are_removed(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    data_dir: Path,
) -> None:
    configure(shared_libraries[TEST_26])
    run_cli("status")
    old, recent = data_dir / "logs" / "old-sync.log", data_dir / "logs" / "recent-sync.log"
    old.write_text("x")
    recent.write_text("y")
    month_ago = time.time() - 30 * 86400
    os.utime(old, (month_ago, month_ago))
    run_cli("status")
    assert not old.exists() and recent.exists()


def test_a_data_folder_that_cannot_be_written_is_said_once_and_status_still_answers(
    run_cli: Callable[..., CliResult],
    shared_libraries: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 32: a command that only looks writes nothing but its log, and says so when it
    cannot write even that (here the data folder's parent is a file: refused even to root)."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("PHOTOS_SYNC_DATA", str(blocker / "data"))
    library = shared_libraries["Test-26.1.photoslibrary"]
    monkeypatch.setenv("PHOTOS_LIBRARY", str(library))
    result = run_cli("status")
    assert result.exit_code == 0, result.stderr
    assert str(library) in result.stdout
    notes = [line for line in result.stderr.splitlines() if "keeps no log" in line]
    assert notes == [
        f"Note: this run keeps no log ({blocker / 'data' / 'logs'} cannot be written)."
    ]

"""Immich's own work on new uploads (metadata, thumbnails, videos) held while a large import
uploads (issue 29: the uploads no longer share the server with it), and never left held:
resumed however the run ends, by the next run after a kill, never a queue the
administrator paused, and nothing asked of a key that may not."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from photos_sync.immich.client import RetryPolicy
from photos_sync.track.binding import held_queues, record_held_queues
from photos_sync.upload import held_work
from tests.conftest import CliResult, run_json
from tests.support.immich_double import ImmichDouble
from tests.support.outcomes import doctor_check

Run = Callable[..., CliResult]
TEST_26 = "Test-26.1.photoslibrary"
HELD = frozenset(held_work.HELD)
ATTEMPTS = RetryPolicy().attempts  # a request's tries before the server is called gone


@pytest.fixture
def large(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fixture library (a few dozen assets) counted as a large import."""
    monkeypatch.setattr(held_work, "HOLD_FROM", 1)


def _paused(immich: ImmichDouble) -> set[str]:
    return {name for name, paused in immich.state.queues.items() if paused}


def _held_record(data_dir: Path) -> list[str]:
    with closing(sqlite3.connect(data_dir / "tracker.db")) as connection:
        return held_queues(connection)


def _left_held_by_a_killed_run(data_dir: Path, immich: ImmichDouble, names: list[str]) -> None:
    """What a run killed while holding leaves: the queues paused, and named in the tracker."""
    with closing(sqlite3.connect(data_dir / "tracker.db")) as connection:
        record_held_queues(connection, names)
    for name in names:
        immich.state.queues[name] = True


@pytest.mark.usefixtures("large")
def test_a_large_import_uploads_while_immichs_work_waits_and_then_resumes_it(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    configure(library_copy(TEST_26))
    result = run_cli("import")
    assert result.exit_code == 0, result.stderr
    assert "paused meanwhile, for faster uploads" in result.stdout
    assert immich.state.paused_at_uploads
    assert all(paused == HELD for paused in immich.state.paused_at_uploads)
    assert _paused(immich) == set() and _held_record(data_dir) == []


def test_a_small_import_asks_nothing_of_immichs_queues(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
) -> None:
    configure(library_copy(TEST_26))
    run_json(run_cli, "import")
    assert immich.calls("getQueues") == immich.calls("updateQueue") == 0
    assert not any(immich.state.paused_at_uploads)


@pytest.mark.usefixtures("large")
def test_a_queue_the_administrator_paused_stays_paused(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
) -> None:
    immich.state.queues["videoConversion"] = True
    configure(library_copy(TEST_26))
    run_json(run_cli, "import")
    assert _paused(immich) == {"videoConversion"}


@pytest.mark.usefixtures("large")
def test_a_key_that_may_not_pause_imports_as_before(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
) -> None:
    """Not an admin's key: Immich answers 403 to the queues, and the import goes on."""
    immich.state.owner.is_admin = False
    configure(library_copy(TEST_26))
    result = run_cli("import")
    assert result.exit_code == 0, result.stderr
    assert "paused" not in result.stdout + result.stderr
    assert immich.calls("updateQueue") == 0 and immich.state.assets


def test_queues_a_killed_run_left_paused_are_resumed_by_the_next_run(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    """A run killed (SIGKILL, power cut) while holding leaves the queues paused and their
    names in the tracker; the next run, even one with nothing to upload, resumes them."""
    configure(library_copy(TEST_26))
    assert run_json(run_cli, "sync")["ok"]
    _left_held_by_a_killed_run(data_dir, immich, sorted(HELD))
    assert run_json(run_cli, "sync")["ok"]
    assert _paused(immich) == set() and _held_record(data_dir) == []


@pytest.mark.usefixtures("large")
def test_a_server_gone_before_the_resume_is_said_and_resumed_next_time(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    """The uploads are done and recorded; the resume meets a server that does not answer:
    one warning, the run's uploads kept, and the next run resumes the queues."""
    configure(library_copy(TEST_26))
    pause = held_work._hold

    def hold_then_fail_the_resume(*args: object) -> list[str]:
        paused = pause(*args)  # type: ignore[arg-type]
        immich.fail_next(ATTEMPTS, status=503, operation="updateQueue")
        return paused

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(held_work, "_hold", hold_then_fail_the_resume)
        result = run_cli("import")
    assert "still paused" in result.stderr and "next photos-sync run resumes" in result.stderr
    assert _paused(immich) == HELD and _held_record(data_dir) == sorted(HELD)
    assert immich.state.assets and immich.faults_left == 0
    assert run_json(run_cli, "sync")["ok"]
    assert _paused(immich) == set() and _held_record(data_dir) == []


def _queue_check(run_cli: Run) -> dict[str, object]:
    return doctor_check(run_cli, "Immich's queues")


def test_doctor_says_which_queues_are_paused_and_whether_the_key_may_hold_them(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
) -> None:
    configure(shared_libraries[TEST_26])
    assert _queue_check(run_cli)["ok"] is True
    immich.state.queues["thumbnailGeneration"] = True
    paused = _queue_check(run_cli)
    assert paused["ok"] is False and paused["required"] is False
    assert "thumbnailGeneration" in str(paused["detail"]) and "Job Queues" in str(paused["fix"])
    immich.state.owner.is_admin = False
    not_admin = _queue_check(run_cli)
    assert not_admin["ok"] is False and "not an admin key" in str(not_admin["detail"])


def test_a_key_that_may_not_resume_a_killed_runs_queues_warns_and_imports(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    """A run killed while holding, then the key changed for one that is not an admin's:
    the queues are named in a warning, the sync goes on, and they stay recorded."""
    configure(library_copy(TEST_26))
    assert run_json(run_cli, "sync")["ok"]
    _left_held_by_a_killed_run(data_dir, immich, ["thumbnailGeneration"])
    immich.state.owner.is_admin = False
    result = run_cli("sync")
    assert result.exit_code == 0, result.stderr
    assert "thumbnailGeneration queue is still paused" in result.stderr
    assert _held_record(data_dir) == ["thumbnailGeneration"]


def test_a_killed_runs_queue_the_server_would_not_resume_stays_recorded_beside_this_runs(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The resume of a killed run's queue fails (the server answers 503 for a while); this
    run holds what is still running, and at its end only its own queue leaves the record:
    the killed run's stays there until a run resumes it."""
    monkeypatch.setattr(held_work, "HOLD_FROM", 2)
    configure(library_copy(TEST_26))
    run_json(run_cli, "import", "--limit", "1")
    _left_held_by_a_killed_run(data_dir, immich, ["thumbnailGeneration"])
    immich.fail_next(ATTEMPTS, status=503, operation="updateQueue")
    result = run_cli("sync")
    assert "thumbnailGeneration queue is still paused" in result.stderr
    assert immich.state.paused_at_uploads[-1] == HELD
    assert _paused(immich) == {"thumbnailGeneration"}
    assert _held_record(data_dir) == ["thumbnailGeneration"]
    assert run_json(run_cli, "sync")["ok"]
    assert _paused(immich) == set() and _held_record(data_dir) == []

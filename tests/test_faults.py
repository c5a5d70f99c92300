"""Faults from the Immich double during an import: each ends with the documented outcome,
the summary's numbers add up, the tracker agrees with the server, and a re-run finishes the
job without a duplicate."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult
from tests.support.immich_double import ImmichDouble
from tests.support.immich_double.server import Fault
from tests.support.outcomes import assert_tracker_matches_server, import_json, tracker_rows

Run = Callable[..., CliResult]
LIBRARY = "Test-26.1.photoslibrary"
UPLOADS = 10  # what an undisturbed import of LIBRARY uploads

Inject = Callable[[ImmichDouble], None]


def assert_adds_up(summary: dict) -> None:  # type: ignore[type-arg]
    assert summary["imported"] + summary["failed"] == summary["planned"], summary
    assert summary["uploaded"] + summary["already_in_immich"] == summary["imported"], summary
    assert sum(summary["failed_by_reason"].values()) == summary["failed"], summary
    assert summary["interrupted"] is False


def _hang(seconds: float, operation: str, count: int = 1) -> Inject:
    return lambda immich: immich.inject(Fault("hang", seconds=seconds, operation=operation), count)


def _both(*steps: Inject) -> Inject:
    def inject(immich: ImmichDouble) -> None:
        for step in steps:
            step(immich)

    return inject


RECOVERED: dict[str, Inject] = {
    "a burst of 500s": lambda immich: immich.fail_next(4, 500, operation="uploadAsset"),
    "an upload that times out": _hang(3.0, "uploadAsset"),
    "connections dropped mid-upload": lambda immich: immich.inject(
        Fault("drop", operation="uploadAsset"), 2
    ),
    # The server stored the file but the answer was lost: the retry must not make a second
    # copy (Immich knows the checksum and says "duplicate").
    "answers lost after the upload was stored": lambda immich: immich.inject(
        Fault("lost_answer", operation="uploadAsset"), 2
    ),
    "the duplicate check failing, then timing out": _both(
        lambda immich: immich.fail_next(1, 503, operation="checkBulkUpload"),
        _hang(3.0, "checkBulkUpload"),
    ),
}


@pytest.fixture(autouse=True)
def quick_timeouts(
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """LIBRARY into the double, giving up on a silent server after a second."""
    configure(shared_libraries[LIBRARY])
    monkeypatch.setenv("IMMICH_TIMEOUT", "1")


@pytest.mark.parametrize("fault", list(RECOVERED))
def test_transient_faults_are_retried_and_lose_nothing(
    fault: str, run_cli: Run, immich: ImmichDouble, data_dir: Path
) -> None:
    RECOVERED[fault](immich)
    summary = import_json(run_cli)
    assert immich.faults_left == 0
    assert_adds_up(summary)
    assert summary["failed"] == 0 and summary["imported"] == UPLOADS
    if "lost" in fault:  # a retry found the stored file and took it as it was (the other
        assert summary["already_in_immich"] >= 1  # lost answer may be a Live Photo's video)
    assert_tracker_matches_server(data_dir, immich)
    assert len(immich.state.visible_assets()) == UPLOADS


PERSISTENT: dict[str, tuple[Inject, str]] = {
    "an upload timing out on every try": (_hang(3.0, "uploadAsset", 2), "did not answer in time"),
    "an upload refused as too large": (
        lambda immich: immich.fail_next(1, 413, operation="uploadAsset"),
        "413",
    ),
    "an upload failing with 500 on every try": (
        lambda immich: immich.fail_next(2, 500, operation="uploadAsset"),
        "answered 500",
    ),
}


@pytest.mark.parametrize("fault", list(PERSISTENT))
def test_a_persistent_fault_fails_one_asset_and_the_rerun_finishes(
    fault: str,
    run_cli: Run,
    immich: ImmichDouble,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("IMMICH_RETRIES", "2")
    inject, reason = PERSISTENT[fault]
    inject(immich)
    summary = import_json(run_cli, code=1)  # documented: exit 1 when an asset failed
    assert immich.faults_left == 0
    assert_adds_up(summary)
    assert summary["failed"] == 1 and summary["imported"] == UPLOADS - 1
    (failure,) = summary["failed_by_reason"]
    assert reason in failure
    failed = [r for r in tracker_rows(data_dir).values() if r["status"] == "failed"]
    assert len(failed) == 1 and reason in failed[0]["error_reason"]
    assert_tracker_matches_server(data_dir, immich)

    again = import_json(run_cli)
    assert_adds_up(again)
    assert again["planned"] == again["imported"] == 1
    assert_tracker_matches_server(data_dir, immich)
    assert len(immich.state.visible_assets()) == UPLOADS

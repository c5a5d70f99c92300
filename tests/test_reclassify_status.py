"""`reclassify` and `status` on the fixture libraries, as a user runs them."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from photos_sync.track.lock import DataDirLock
from photos_sync.track.migrations import MODIFIED_AS_NUMBER, NIGHTLY_INDEXES
from tests.conftest import CliResult, run_json
from tests.support.fixtures import LIBRARY_NAMES, expected_assets, open_for_edit
from tests.test_library_reader import expected_subtypes

MEDIA_TYPES = "Test-Media-Types-15.7.2.photoslibrary"
Run = Callable[..., CliResult]


@pytest.mark.parametrize("name", LIBRARY_NAMES)
def test_status_then_reclassify_then_status(
    name: str, run_cli: Run, shared_libraries: dict[str, Path], data_dir: Path
) -> None:
    base = ("--library", str(shared_libraries[name]), "--data-dir", str(data_dir))
    expected = expected_assets(name)
    live = {uuid: row for uuid, row in expected.items() if not row.other_has("intrash")}

    before = run_json(run_cli, *base, "status")
    assert before["library"]["assets"] == len(live)
    assert before["library"]["in_trash"] == len(expected) - len(live)
    assert before["library"]["videos"] == sum(r.media_type == "video" for r in live.values())
    # issue 32: the counts agree: what is new is counted of the same assets as "assets"
    assert before["library"]["not_scanned"] == len(live)
    assert before["to_import"]["pending"] == len(live)
    assert sum(before["subtypes"].values()) == 0
    shown = run_cli(*base, "status").stdout
    assert f"{len(live)} new or changed since the last scan" in shown
    assert "Special kinds (scanned assets)" not in shown  # no heading over nothing
    assert "Special kinds: none counted yet" in shown

    scan = run_json(run_cli, *base, "reclassify")
    assert scan["read"] == scan["new"] == scan["saved"] == len(expected)

    after = run_json(run_cli, *base, "status")
    assert after["library"]["not_scanned"] == 0
    # what is in Photos' Recently Deleted, never imported, does not wait for an import
    assert after["tracker"]["pending"] == len(live)
    assert after["tracker"]["deleted_before_import"] == len(expected) - len(live)
    wanted: Counter[str] = Counter(n for row in live.values() for n in expected_subtypes(row))
    assert {k: v for k, v in after["subtypes"].items() if v} == dict(wanted)
    cloud_only = sum(
        1 for r in live.values() if r.original_file.startswith("no") and r.other_has("iscloudasset")
    )
    assert after["to_import"]["icloud_only"] == cloud_only
    assert after["last_run"]["command"] == "reclassify"
    assert after["last_run"]["outcome"] == "ok"
    kept = {k: v for k, v in scan.items() if k not in ("dry_run", "changes", "gone_from_library")}
    assert {k: v for k, v in after["last_run"]["summary"].items() if k != "log"} == kept


def test_the_shared_library_has_one_icloud_only_asset(
    run_cli: Run, shared_libraries: dict[str, Path], data_dir: Path
) -> None:
    base = ("--library", str(shared_libraries[LIBRARY_NAMES[2]]), "--data-dir", str(data_dir))
    run_cli(*base, "reclassify")
    assert run_json(run_cli, *base, "status")["to_import"]["icloud_only"] == 1


def test_second_reclassify_reads_nothing(
    run_cli: Run, shared_libraries: dict[str, Path], data_dir: Path
) -> None:
    base = ("--library", str(shared_libraries[MEDIA_TYPES]), "--data-dir", str(data_dir))
    run_cli(*base, "reclassify")
    again = run_json(run_cli, *base, "reclassify")
    assert again["read"] == 0 and again["changes"] == [] and again["unchanged"] == 18
    full = run_json(run_cli, *base, "reclassify", "--full")
    assert full["read"] == 18 and full["changes"] == []


@pytest.mark.parametrize("name", LIBRARY_NAMES)
def test_the_first_run_after_the_upgrade_to_numeric_times_reads_nothing(
    name: str, run_cli: Run, shared_libraries: dict[str, Path], data_dir: Path
) -> None:
    """A tracker from before Photos' modification times were kept as numbers: its times
    are carried over from their text, and Photos' own compare equal to them."""
    base = ("--library", str(shared_libraries[name]), "--data-dir", str(data_dir))
    run_cli(*base, "reclassify")
    with closing(sqlite3.connect(data_dir / "tracker.db")) as tracker, tracker:
        for index in NIGHTLY_INDEXES.statements:  # a later step's, over the column
            tracker.execute(f"DROP INDEX {index.split()[2]}")
        tracker.execute("DROP TABLE library_binding")  # the later steps', undone too
        tracker.execute("ALTER TABLE imported_assets DROP COLUMN sent_sha1")
        tracker.execute("DROP INDEX imported_assets_digest")
        tracker.execute("ALTER TABLE imported_assets DROP COLUMN photos_digest")
        tracker.execute("ALTER TABLE imported_assets DROP COLUMN photos_modified")
        tracker.execute(f"PRAGMA user_version = {MODIFIED_AS_NUMBER.version - 1}")
    again = run_json(run_cli, *base, "reclassify")
    assert again["read"] == 0 and again["unchanged"] == len(expected_assets(name))


def _edit_asset(library: Path, uuid: str, **columns: int) -> None:
    """What Photos does on an edit: change the asset, move its modification date."""
    assignments = ", ".join(f"{name} = {value}" for name, value in columns.items())
    with closing(open_for_edit(library)) as connection, connection:
        connection.execute(
            f"UPDATE ZASSET SET {assignments}, ZMODIFICATIONDATE = ZMODIFICATIONDATE + 60"
            " WHERE ZUUID = ?",
            (uuid,),
        )


def test_reclassify_reports_exactly_what_changed_in_photos(
    run_cli: Run, library_copy: Callable[[str], Path], data_dir: Path
) -> None:
    library = library_copy(MEDIA_TYPES)
    base = ("--library", str(library), "--data-dir", str(data_dir))
    run_cli(*base, "reclassify")
    screenshot = "A344F711-313A-4D64-AA6D-108013A43DD4"
    _edit_asset(library, screenshot, ZFAVORITE=1, ZHIDDEN=1)

    dry = run_cli(*base, "reclassify", "--dry-run")
    assert dry.exit_code == 0
    assert "IMG_2908.PNG (A344F711-313A-4D64-AA6D-108013A43DD4): +Hidden, +Favorite" in dry.stdout
    assert "Dry run: nothing was written." in dry.stdout

    result = run_json(run_cli, *base, "reclassify")
    assert result["read"] == 1
    assert result["changes"] == [
        {
            "uuid": screenshot,
            "filename": "IMG_2908.PNG",
            "new": False,
            "differences": ["+Hidden", "+Favorite"],
        }
    ]
    status = run_json(run_cli, *base, "status")
    assert status["subtypes"]["is_favorite"] == 1 and status["subtypes"]["is_hidden"] == 1


def test_dry_run_writes_nothing(
    run_cli: Run, shared_libraries: dict[str, Path], data_dir: Path
) -> None:
    base = ("--library", str(shared_libraries[MEDIA_TYPES]), "--data-dir", str(data_dir))
    result = run_json(run_cli, *base, "reclassify", "--dry-run")
    assert result["new"] == 18 and result["saved"] == 0
    status = run_json(run_cli, *base, "status")
    assert status["tracker"]["pending"] == 0 and status["last_run"] is None


def test_human_output_of_status(
    run_cli: Run, shared_libraries: dict[str, Path], data_dir: Path
) -> None:
    base = ("--library", str(shared_libraries[MEDIA_TYPES]), "--data-dir", str(data_dir))
    first = run_cli(*base, "reclassify")
    assert "Recorded 18 new assets as pending" in first.stdout
    assert "1 Cinematic" in first.stdout
    result = run_cli(*base, "status")
    assert result.exit_code == 0
    assert "18 assets: 14 photos, 4 videos" in result.stdout
    assert "Cinematic" in result.stdout and "Live Photo" in result.stdout
    assert "Left to import 18" in result.stdout


def test_status_runs_while_another_photos_sync_holds_the_data_folder(
    run_cli: Run, shared_libraries: dict[str, Path], data_dir: Path
) -> None:
    base = ("--library", str(shared_libraries[MEDIA_TYPES]), "--data-dir", str(data_dir))
    run_cli(*base, "reclassify")
    with DataDirLock(data_dir, "import"):
        assert run_cli(*base, "status").exit_code == 0
        refused = run_cli(*base, "reclassify")
    assert refused.exit_code == 3
    assert "Another photos-sync is already using" in refused.stderr
    assert "'import'" in refused.stderr

"""A library that is missing, damaged or unsupported: one clear line, non-zero, no traceback."""

from __future__ import annotations

import json
import os
import plistlib
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from photos_sync.source.library import PhotosLibrary
from tests.conftest import CliResult
from tests.support.fixtures import expected_assets
from tests.support.immich_double import ImmichDouble
from tests.support.outcomes import assert_one_clear_line

MEDIA_TYPES = "Test-Media-Types-15.7.2.photoslibrary"


def assert_quiet_error(result: CliResult, *phrases: str) -> None:
    assert_one_clear_line(result, *phrases, quiet=True)


@pytest.mark.parametrize("command", ["status", "reclassify"])
def test_missing_library(run_cli: Callable[..., CliResult], tmp_path: Path, command: str) -> None:
    result = run_cli("--library", str(tmp_path / "Nope.photoslibrary"), command)
    assert_quiet_error(result, "Photos library not found", "--library")


def test_no_library_configured_on_linux(run_cli: Callable[..., CliResult]) -> None:
    result = run_cli("status")
    assert_quiet_error(result, "No Photos library given", "PHOTOS_LIBRARY")


def test_folder_without_database(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    (tmp_path / "Empty.photoslibrary").mkdir()
    result = run_cli("--library", str(tmp_path / "Empty.photoslibrary"), "status")
    assert_quiet_error(result, "Not a Photos library")


def test_photos_4_library_is_unsupported(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    old = tmp_path / "Old.photoslibrary" / "database"
    old.mkdir(parents=True)
    (old / "photos.db").write_bytes(b"")
    result = run_cli("--library", str(old.parent), "status")
    assert_quiet_error(result, "Unsupported Photos library", "Photos 4 or older")


def _database(library: Path) -> Path:
    return library / "database" / "Photos.sqlite"


def _drop_wal(library: Path) -> None:
    for suffix in ("-wal", "-shm"):
        path = library / "database" / f"Photos.sqlite{suffix}"
        if path.exists():
            path.unlink()


@pytest.mark.parametrize("command", ["status", "reclassify"])
def test_random_bytes_database(
    run_cli: Callable[..., CliResult], library_copy: Callable[[str], Path], command: str
) -> None:
    library = library_copy(MEDIA_TYPES)
    _drop_wal(library)
    _database(library).write_bytes(os.urandom(64 * 1024))
    result = run_cli("--library", str(library), command)
    assert_quiet_error(result, "Photos library database is unreadable", "Copy the library")


def test_truncated_database(
    run_cli: Callable[..., CliResult], library_copy: Callable[[str], Path]
) -> None:
    library = library_copy(MEDIA_TYPES)
    _drop_wal(library)
    database = _database(library)
    with sqlite3.connect(database) as connection:  # fold the WAL in, then cut the file
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = database.read_bytes()
    database.write_bytes(data[: len(data) // 3])
    result = run_cli("--library", str(library), "reclassify")
    assert_quiet_error(result, "unreadable")


def test_library_from_a_newer_photos(
    run_cli: Callable[..., CliResult], library_copy: Callable[[str], Path]
) -> None:
    library = library_copy(MEDIA_TYPES)
    with sqlite3.connect(_database(library)) as connection:
        (blob,) = connection.execute("SELECT Z_PLIST FROM Z_METADATA").fetchone()
        plist = plistlib.loads(blob)
        plist["PLModelVersion"] = 999_999_999
        connection.execute("UPDATE Z_METADATA SET Z_PLIST = ?", (plistlib.dumps(plist),))
    result = run_cli("--library", str(library), "status")
    assert_quiet_error(result, "Unsupported Photos library", "newer", "Upgrade photos-sync")


def test_debug_shows_the_traceback(
    run_cli: Callable[..., CliResult], library_copy: Callable[[str], Path]
) -> None:
    library = library_copy(MEDIA_TYPES)
    _drop_wal(library)
    _database(library).write_bytes(b"not a database at all" * 100)
    result = run_cli("--debug", "--library", str(library), "status")
    assert result.exit_code != 0
    assert "Traceback" in result.stderr
    assert "Error: Photos library database is unreadable" in result.stderr


def test_library_without_originals_is_refused_until_its_files_are_back(
    run_cli: Callable[..., CliResult],
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    """A copy of the database alone (or a library on an unmounted disk): import and sync
    refuse with one line and record nothing, status and doctor say why; once the originals
    are back, the import runs as if nothing had happened."""
    library = library_copy(MEDIA_TYPES)
    originals = library / "originals"
    kept = originals.readlink()
    originals.unlink()
    configure(library)

    for command in (["import"], ["import", "--dry-run"], ["sync"]):
        result = run_cli(*command)
        assert_one_clear_line(result, "no originals folder", str(originals), "Mount the disk")
    assert immich.state.assets == {}
    with closing(sqlite3.connect(data_dir / "tracker.db")) as tracker:
        statuses = dict(tracker.execute("SELECT status, COUNT(*) FROM imported_assets GROUP BY 1"))
    assert "skipped" not in statuses and "imported" not in statuses

    status = run_cli("status")
    assert status.exit_code == 0
    assert "It has no originals folder" in status.stdout
    doctor = run_cli("doctor")
    assert doctor.exit_code != 0
    assert "✗ Photos library: The Photos library has no originals folder" in doctor.stdout

    originals.symlink_to(kept, target_is_directory=True)
    summary = json.loads(run_cli("import", "--json").stdout)
    live = [row for row in expected_assets(MEDIA_TYPES).values() if not row.other_has("intrash")]
    local = [row for row in live if row.original_file.startswith("yes")]
    assert summary["imported"] == summary["uploaded"] == len(local)
    assert summary["failed"] == 0
    assert summary["skipped"] == len(live) - len(local)  # the fixture's own absent files
    visible = {asset.original_file_name for asset in immich.state.visible_assets()}
    assert visible == {row.original_filename for row in local}
    assert "It has no originals folder" not in run_cli("status").stdout


def test_a_modification_date_out_of_range_stops_nothing(
    run_cli: Callable[..., CliResult],
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
) -> None:
    """A damaged database with one asset's modification date far past year 9999: every
    asset is still read, recorded and imported; only that date is unknown."""
    library = library_copy("Test-26.1.photoslibrary")
    with closing(sqlite3.connect(_database(library))) as database, database:
        database.execute(
            "UPDATE ZASSET SET ZMODIFICATIONDATE = 123456789012345 WHERE ZUUID = ?",
            ("DC99FBDD-7A52-4100-A5BB-344131646C30",),
        )
    configure(library)
    assert run_cli("reclassify").exit_code == 0
    summary = json.loads(run_cli("import", "--json").stdout)
    assert summary["uploaded"] == 10
    assert summary["failed"] == 0
    assert len(immich.state.visible_assets()) == 10


def test_empty_flags_in_the_catalog_read_as_unset(library_copy: Callable[[str], Path]) -> None:
    """A hand-edited or damaged database with NULL where Photos writes 0 (trash, hidden,
    favorite, burst pick, depth) and an empty burst id: the asset reads as one with none
    of them set."""
    library = library_copy("Test-26.1.photoslibrary")
    uuid = "DC99FBDD-7A52-4100-A5BB-344131646C30"
    before = {entry.uuid: entry for entry in PhotosLibrary(library).entries()}[uuid]
    with closing(sqlite3.connect(_database(library))) as database, database:
        # Photos' triggers call a Core Data function: here it does nothing
        database.create_function(
            "NSCoreDataTriggerUpdateAffectedObjectValue", -1, lambda *args: None
        )
        database.execute(
            "UPDATE ZASSET SET ZTRASHEDSTATE = NULL, ZHIDDEN = NULL, ZFAVORITE = NULL,"
            " ZAVALANCHEPICKTYPE = NULL, ZDEPTHTYPE = NULL, ZSPATIALTYPE = NULL,"
            " ZAVALANCHEUUID = '' WHERE ZUUID = ?",
            (uuid,),
        )
    entry = {entry.uuid: entry for entry in PhotosLibrary(library).entries()}[uuid]
    assert (entry.in_trash, entry.hidden, entry.favorite) == (False, False, False)
    assert (entry.burst_id, entry.burst_pick, entry.depth_type, entry.spatial_type) == (
        None,
        0,
        0,
        0,
    )
    assert entry._replace(burst_pick=before.burst_pick) == before

"""A library that is missing, damaged or unsupported: one clear line, non-zero, no traceback."""

from __future__ import annotations

import os
import plistlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult

MEDIA_TYPES = "Test-Media-Types-15.7.2.photoslibrary"


def assert_one_clear_line(result: CliResult, *phrases: str) -> None:
    assert result.exit_code != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    for phrase in phrases:
        assert phrase in lines[0]
    assert result.stdout == ""


@pytest.mark.parametrize("command", ["status", "reclassify"])
def test_missing_library(run_cli: Callable[..., CliResult], tmp_path: Path, command: str) -> None:
    result = run_cli("--library", str(tmp_path / "Nope.photoslibrary"), command)
    assert_one_clear_line(result, "Photos library not found", "--library")


def test_no_library_configured_on_linux(run_cli: Callable[..., CliResult]) -> None:
    result = run_cli("status")
    assert_one_clear_line(result, "No Photos library given", "PHOTOS_LIBRARY")


def test_folder_without_database(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    (tmp_path / "Empty.photoslibrary").mkdir()
    result = run_cli("--library", str(tmp_path / "Empty.photoslibrary"), "status")
    assert_one_clear_line(result, "Not a Photos library")


def test_photos_4_library_is_unsupported(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    old = tmp_path / "Old.photoslibrary" / "database"
    old.mkdir(parents=True)
    (old / "photos.db").write_bytes(b"")
    result = run_cli("--library", str(old.parent), "status")
    assert_one_clear_line(result, "Unsupported Photos library", "Photos 4 or older")


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
    assert_one_clear_line(result, "Photos library database is unreadable", "Copy the library")


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
    assert_one_clear_line(result, "unreadable")


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
    assert_one_clear_line(result, "Unsupported Photos library", "newer", "Upgrade photos-sync")


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

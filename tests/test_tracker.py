"""The tracker database: schema, migrations, privacy, and one writer at a time."""

from __future__ import annotations

import sqlite3
import stat
import subprocess
import sys
import textwrap
import time
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from photos_sync.errors import AlreadyRunningError, TrackerError
from photos_sync.plan.scan import awaiting_files, moved, plan_scan
from photos_sync.source.catalog import CatalogEntry
from photos_sync.source.records import (
    Availability,
    LibraryAsset,
    MediaType,
    Resource,
    ResourceKind,
    Subtypes,
    core_data_time,
)
from photos_sync.track import database as tracker_database
from photos_sync.track.assets import (
    ScanStates,
    live_uuids,
    save_scanned,
    scan_states,
    tracked_assets,
)
from photos_sync.track.binding import recorded_sample
from photos_sync.track.database import migrate, open_tracker, open_tracker_read_only
from photos_sync.track.lock import DataDirLock
from photos_sync.track.metadata import (
    Settled,
    imported_for_metadata,
    record_settled,
    sendable_ids,
)
from photos_sync.track.migrations import LATEST_VERSION, MIGRATIONS, MODIFIED_AS_NUMBER

SEED_COLUMNS = {
    "imported_assets": {
        "icloud_uuid",
        "immich_id",
        "filename",
        "file_size",
        "media_type",
        "imported_at",
        "archived",
        "is_live_photo",
        "is_portrait",
        "is_hdr",
        "is_panorama",
        "is_screenshot",
        "is_cinematic",
        "is_slomo",
        "is_timelapse",
        "is_spatial_video",
        "is_proraw",
        "has_paired_video",
        "motion_video_immich_id",
        "cinematic_sidecars",
        "status",
        "error_reason",
        "asset_created_at",
    },
    "backup_destinations": {
        "id",
        "name",
        "type",
        "bucket_name",
        "remote_path",
        "created_at",
        "last_backup_at",
    },
    "backup_jobs": {
        "id",
        "destination_id",
        "source_path",
        "status",
        "bytes_total",
        "bytes_transferred",
        "files_total",
        "files_transferred",
        "transfer_speed",
        "started_at",
        "completed_at",
        "last_update",
        "error_message",
        "retry_count",
        "priority",
    },
}


def columns(connection: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}


def test_new_tracker_has_every_seed_column_and_our_additions(tmp_path: Path) -> None:
    connection = open_tracker(tmp_path / "tracker.db")
    for table, expected in SEED_COLUMNS.items():
        assert expected <= columns(connection, table), table
    assert {"sha1", "original_size", "photos_modified_at", "resources"} <= columns(
        connection, "imported_assets"
    )
    assert {"photos_uuid", "immich_id", "name"} <= columns(connection, "album_map")
    assert connection.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION


def test_tracker_is_wal_with_foreign_keys_and_private(tmp_path: Path) -> None:
    path = tmp_path / "data" / "tracker.db"
    connection = open_tracker(path)
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert connection.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(sqlite3.IntegrityError):
        connection.execute(
            "INSERT INTO backup_jobs (destination_id, source_path, priority) VALUES (42, 'x', 1)"
        )


def test_upgrade_from_the_seed_schema_keeps_every_row(tmp_path: Path) -> None:
    path = tmp_path / "tracker.db"
    old = sqlite3.connect(path, isolation_level=None)
    assert migrate(old, target=1) == [1]
    old.execute(
        "INSERT INTO imported_assets (icloud_uuid, immich_id, filename, status, is_live_photo,"
        " motion_video_immich_id) VALUES ('A', 'imm-1', 'IMG_1.HEIC', 'imported', 1, 'imm-2')"
    )
    old.execute("INSERT INTO imported_assets (icloud_uuid, filename) VALUES ('B', 'IMG_2.JPG')")
    old.execute(
        "INSERT INTO backup_destinations (name, type, created_at) VALUES ('b2', 'b2', 'now')"
    )
    old.close()

    connection = open_tracker(path)
    rows = {
        row["icloud_uuid"]: dict(row) for row in connection.execute("SELECT * FROM imported_assets")
    }
    assert rows["A"]["immich_id"] == "imm-1" and rows["A"]["is_live_photo"] == 1
    assert rows["A"]["motion_video_immich_id"] == "imm-2"
    assert rows["A"]["status"] == "imported"
    assert rows["B"]["status"] == "pending"  # the seed left untried assets without status
    assert rows["A"]["is_burst"] == 0 and rows["A"]["sha1"] is None
    assert connection.execute("SELECT name FROM backup_destinations").fetchall()[0][0] == "b2"
    assert connection.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION


def test_each_migration_is_all_or_nothing(tmp_path: Path) -> None:
    path = tmp_path / "tracker.db"
    connection = sqlite3.connect(path, isolation_level=None)
    migrate(connection, target=1)
    connection.execute("CREATE TABLE runs (x)")  # makes step 2 fail half-way through
    with pytest.raises(sqlite3.OperationalError):
        migrate(connection)
    assert connection.execute("PRAGMA user_version").fetchone()[0] == 1
    assert "sha1" not in columns(connection, "imported_assets")


def test_two_processes_opening_an_old_tracker_at_once_both_succeed(tmp_path: Path) -> None:
    """An import and a backup hold different locks, so both may migrate at the same
    instant; each step must still run exactly once."""
    path = tmp_path / "tracker.db"
    with closing(sqlite3.connect(path, isolation_level=None)) as seed:
        migrate(seed, target=1)
    opener = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from photos_sync.track.database import open_tracker
        start = float(sys.argv[1])
        time.sleep(max(0.0, start - time.time()))
        open_tracker(Path({str(path)!r})).close()
        """
    )
    start = str(time.time() + 1.0)  # both begin together, after their imports
    processes = [
        subprocess.Popen([sys.executable, "-c", opener, start], stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    errors = [p.communicate(timeout=60)[1] for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0, 0], errors
    with closing(sqlite3.connect(path)) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
        assert "sha1" in columns(connection, "imported_assets")


def test_migrations_are_numbered_in_order() -> None:
    assert [m.version for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))


def test_tracker_from_a_newer_photos_sync_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "tracker.db"
    open_tracker(path).execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    with pytest.raises(TrackerError, match="newer photos-sync"):
        open_tracker(path)
    with pytest.raises(TrackerError) as raised:
        open_tracker_read_only(path)
    assert "Upgrade photos-sync" in raised.value.one_line()


def test_corrupt_tracker_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "tracker.db"
    path.write_bytes(b"garbage" * 1000)
    with pytest.raises(TrackerError, match="The tracker database is damaged") as raised:
        open_tracker(path)
    # the snapshot the last backup made first; moving it aside (a new tracker) last
    assert "tracker-snapshot.db" in raised.value.one_line()
    assert "move it aside" in raised.value.one_line()


def test_read_only_open_of_an_absent_tracker_is_none(tmp_path: Path) -> None:
    assert open_tracker_read_only(tmp_path / "tracker.db") is None
    assert not (tmp_path / "tracker.db").exists()


HOLD_LOCK = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from photos_sync.track.lock import DataDirLock
    with DataDirLock(Path(sys.argv[1]), "import"):
        print("held", flush=True)
        time.sleep(60)
    """
)


def _holder(data_dir: Path) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(data_dir)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "held"
    return process


def test_second_process_is_refused_while_the_first_runs(tmp_path: Path) -> None:
    holder = _holder(tmp_path)
    try:
        with pytest.raises(AlreadyRunningError) as raised:
            DataDirLock(tmp_path, "reclassify").acquire()
        assert f"pid {holder.pid}" in raised.value.message
        assert "'import'" in raised.value.message
    finally:
        holder.kill()
        holder.communicate()


def test_lock_of_a_killed_process_is_free_again(tmp_path: Path) -> None:
    holder = _holder(tmp_path)
    holder.kill()  # SIGKILL: no chance to clean up
    holder.communicate()
    deadline = time.monotonic() + 5
    while True:
        try:
            with DataDirLock(tmp_path, "reclassify"):
                break
        except AlreadyRunningError:
            assert time.monotonic() < deadline
            time.sleep(0.05)


@pytest.mark.parametrize("version", [m.version for m in MIGRATIONS[1:]])
def test_each_step_upgrades_a_database_made_by_the_previous_version(
    tmp_path: Path, version: int
) -> None:
    connection = sqlite3.connect(tmp_path / "tracker.db", isolation_level=None)
    migrate(connection, target=version - 1)
    connection.execute(
        "INSERT INTO imported_assets (icloud_uuid, immich_id, status) VALUES ('A', 'i', 'imported')"
    )
    before = columns(connection, "imported_assets")
    assert migrate(connection, target=version) == [version]
    assert connection.execute("PRAGMA user_version").fetchone()[0] == version
    row = connection.execute("SELECT immich_id, status FROM imported_assets").fetchone()
    assert row == ("i", "imported")
    assert before <= columns(connection, "imported_assets")


def _scanned(description: str) -> LibraryAsset:
    return LibraryAsset(
        uuid="A1",
        filename="a.jpg",
        media_type=MediaType.PHOTO,
        created_at=datetime(2024, 5, 1, 12, tzinfo=UTC),
        modified_at=None,
        original_size=1,
        uti="public.jpeg",
        subtypes=Subtypes(),
        resources=(Resource(ResourceKind.ORIGINAL, Availability.MISSING),),
        description=description,
    )


def test_a_rescan_unsettles_an_asset_only_when_photos_says_something_new(
    tmp_path: Path,
) -> None:
    """The nightly run leaves a settled asset's metadata unread; what Photos says of it is
    not in its key, so the scan is what must unsettle it when that changes."""

    def settled() -> str | None:
        row = connection.execute("SELECT metadata_settled FROM imported_assets").fetchone()
        return str(row[0]) if row[0] is not None else None

    with closing(open_tracker(tmp_path / "tracker.db")) as connection:
        save_scanned(connection, [(_scanned("a day out"), 1.0)])
        connection.execute("UPDATE imported_assets SET status = 'imported', immich_id = 'i1'")
        record_settled(connection, {"A1": "key"})
        save_scanned(connection, [(_scanned("a day out"), 2.0)])
        assert settled() == "key"  # touched in Photos, nothing of it changed
        save_scanned(connection, [(_scanned("a day at sea"), 3.0)])
        assert settled() is None
        check = Settled(lambda uuid, companions: "key", "key", ())
        (asset,) = imported_for_metadata(connection, check).assets
        assert not asset.settled and asset.desired["description"] == "a day at sea"


def test_a_night_reads_every_asset_from_indexes_not_whole_rows(tmp_path: Path) -> None:
    """What a night reads of all 100k assets is in two narrow indexes: the rows themselves
    (the JSON of what Photos says and what was sent is most of the table) stay unread, so
    a tracker that fell out of the disk cache during the day is read in a few megabytes."""
    executed: list[str] = []
    with closing(open_tracker(tmp_path / "tracker.db")) as connection:
        save_scanned(connection, [(_scanned("a day out"), 1.0)])
        connection.execute("UPDATE imported_assets SET status = 'imported', immich_id = 'i1'")
        record_settled(connection, {"A1": "k"})
        connection.set_trace_callback(executed.append)
        scan_states(connection)
        live_uuids(connection)
        imported_for_metadata(connection, Settled(lambda uuid, companions: "k", "k", ["A2"]))
        sendable_ids(connection, ["A1", "A2"])
        connection.set_trace_callback(None)
        plans = {
            sql: " / ".join(row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {sql}"))
            for sql in executed
            if sql.startswith("SELECT") and "FROM imported_assets" in sql
        }
    assert len(plans) == 5, executed
    for sql, plan in plans.items():
        assert "COVERING INDEX" in plan, (sql, plan)


MODIFICATION_TIMES = (
    0.0,
    0.5e-6,
    1.25,
    -1.9999995,  # before 2001
    -86400.25,
    178639129.1015625,  # exactly between two microseconds
    757382400.123456,
    779212345.999999,
    812345678.9999996,  # rounds up into the next second
)


def test_an_upgraded_tracker_keeps_photos_modification_times_as_the_same_moments(
    tmp_path: Path,
) -> None:
    """The times carried over from the ISO text the tracker kept are Photos' own (within a
    microsecond): the first night after the upgrade reads nothing again."""
    connection = sqlite3.connect(tmp_path / "tracker.db", isolation_level=None)
    migrate(connection, target=MODIFIED_AS_NUMBER.version - 1)
    connection.executemany(
        "INSERT INTO imported_assets (icloud_uuid, photos_modified_at) VALUES (?, ?)",
        [(str(seconds), core_data_time(seconds)) for seconds in MODIFICATION_TIMES]
        + [("no time", None), ("odd text", "yesterday")],
    )
    migrate(connection)
    carried = dict(connection.execute("SELECT icloud_uuid, photos_modified FROM imported_assets"))
    for seconds in MODIFICATION_TIMES:
        assert not moved(carried[str(seconds)], seconds), (seconds, carried[str(seconds)])
    assert moved(carried[str(1.25)], 1.25 + 2e-6)  # a real change still shows
    assert carried["no time"] is None and carried["odd text"] is None  # read again: safe


TRACKED_STATE = st.fixed_dictionaries(
    {
        "status": st.sampled_from([None, "pending", "imported", "failed", "skipped"]),
        "archived": st.sampled_from([0, 1]),
        "in_trash": st.sampled_from([0, 1]),
        "photos_modified": st.sampled_from([None, 1.0, 2.0]),
        "scanned_at": st.sampled_from([None, "2026-12-01T00:00:00+00:00"]),
        "original_availability": st.sampled_from([None, "local", "cloud", "missing"]),
        # what Photos shows of it now: absent from the library, or its time and trash
        "in_photos": st.sampled_from([None, (None, False), (1.0, False), (2.0, True)]),
    }
)


@settings(max_examples=60, deadline=None)
@given(st.lists(TRACKED_STATE, max_size=12), st.integers(0, 3), st.booleans())
def test_the_scan_plans_from_its_split_states_as_from_whole_records(
    states: list[dict[str, Any]], new: int, full: bool
) -> None:
    """A night reads most tracked assets as a UUID and a time (``ScanStates.usual``): what
    the scan then plans (what to read again, what left Photos, what waits for a file)
    matches planning from every asset's whole record, whatever the mix of states."""
    with closing(sqlite3.connect(":memory:", isolation_level=None)) as connection:
        migrate(connection)
        entries = [catalog_entry(f"N{n}", 1.0, False) for n in range(new)]
        for n, state in enumerate(states):
            in_photos = state.pop("in_photos")
            connection.execute(
                f"INSERT INTO imported_assets (icloud_uuid, {', '.join(state)})"
                f" VALUES (?{', ?' * len(state)})",
                (f"T{n}", *state.values()),
            )
            if in_photos is not None:
                entries.append(catalog_entry(f"T{n}", *in_photos))
        recheck = frozenset(f"T{n}" for n in range(0, len(states), 3))
        split = scan_states(connection)
        whole = ScanStates({}, tracked_assets(connection))
        assert plan_scan(entries, split, full, recheck) == plan_scan(entries, whole, full, recheck)
        assert awaiting_files(split.others) == awaiting_files(whole.others)
        assert split.usual.keys().isdisjoint(split.others)
        assert len(split.usual) + len(split.others) == len(states)


def catalog_entry(uuid: str, modified: float | None, in_trash: bool) -> CatalogEntry:
    return CatalogEntry(uuid, MediaType.PHOTO, modified, in_trash, False, 0, 0, {})


def test_the_binding_sample_looks_rows_up_rather_than_sorting_the_tracker(
    tmp_path: Path,
) -> None:
    """Each run checks that a sample of recorded ids is still on the server. Drawing it
    must not read and sort every imported row (100k, the whole table, every night); it
    still holds only imported assets, and finds them when they are few."""
    with closing(open_tracker(tmp_path / "tracker.db")) as connection:
        connection.executemany(
            "INSERT INTO imported_assets (icloud_uuid, status, immich_id, sha1)"
            " VALUES (?, ?, ?, ?)",
            [
                (f"U{n}", "imported" if n % 3 == 0 else "skipped", f"i{n}", f"s{n}")
                for n in range(3000)
            ],
        )
        executed: list[str] = []
        connection.set_trace_callback(executed.append)
        sample = recorded_sample(connection, 20)
        connection.set_trace_callback(None)
        assert len(set(sample)) == 20
        assert all(int(immich_id[1:]) % 3 == 0 for immich_id, _ in sample)
        assert recorded_sample(connection, 20) != sample  # drawn again, not the first rows
        for sql in executed:
            plan = " / ".join(row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {sql}"))
            assert "TEMP B-TREE" not in plan and "SCAN imported_assets" not in plan, plan
        connection.execute("UPDATE imported_assets SET status = 'skipped' WHERE rowid > 15")
        few = recorded_sample(connection, 20)
        assert sorted(few) == [(f"i{n}", f"s{n}") for n in (0, 12, 3, 6, 9)]


@pytest.mark.parametrize("look_up_at_most", [5000, 0])
def test_album_members_ids_are_those_imported_and_still_in_photos(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, look_up_at_most: int
) -> None:
    """The albums' plan gets Immich ids only for the members that changed: looked up when
    few, found in one pass when many; either way only assets imported and still in Photos
    (not archived, not in its trash). Tracked assets by UUID are found the same two ways."""
    monkeypatch.setattr(tracker_database, "LOOK_UP_AT_MOST", look_up_at_most)
    with closing(open_tracker(tmp_path / "tracker.db")) as connection:
        connection.executemany(
            "INSERT INTO imported_assets (icloud_uuid, status, archived, in_trash, immich_id)"
            " VALUES (?, ?, ?, ?, ?)",
            [
                ("A1", "imported", 0, 0, "i1"),
                ("A2", "imported", 1, 0, "i2"),
                ("A3", "imported", 0, 1, "i3"),
                ("A4", "skipped", 0, 0, None),
                ("A5", "imported", 0, 0, "i5"),
            ],
        )
        assert sendable_ids(connection, ["A1", "A2", "A3", "A4", "A6"]) == {"A1": "i1"}
        assert sendable_ids(connection, []) == {}
        assert set(tracked_assets(connection, ["A2", "A4", "A6"])) == {"A2", "A4"}

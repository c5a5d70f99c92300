"""cleanup, sync, review, verify and the repairs, on fixture libraries and the double."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from tests.conftest import CliResult, run_json
from tests.support.fixtures import materialize, open_for_edit
from tests.support.immich_double import ImmichDouble
from tests.support.outcomes import (
    assert_one_clear_line,
    assert_tracker_matches_server,
    import_json,
    tracker_rows,
)
from tests.test_import import MEDIA_TYPES

Run = Callable[..., CliResult]
LIVE_PHOTOS = (
    "EC19EA1A-FC91-449C-8925-B13D863E2EDB",
    "B60C31AC-BE86-42C5-A383-A0A5710B18AE",
    "D562F353-7A22-4367-9A7F-153A4D9F149C",
)
WRITES = ("uploadAsset", "updateAsset", "deleteAssets", "restoreAssets")


def set_tracker(data_dir: Path, sql: str, *params: object) -> None:
    with closing(sqlite3.connect(data_dir / "tracker.db")) as connection, connection:
        connection.execute(sql, params)


def delete_from_photos(library: Path, uuid: str) -> None:
    with closing(open_for_edit(library)) as connection, connection:
        connection.execute("DELETE FROM ZASSET WHERE ZUUID = ?", (uuid,))


def split_live_photos(immich: ImmichDouble, data_dir: Path) -> None:
    """What another tool leaves: still and motion video both in Immich, not linked."""
    rows = tracker_rows(data_dir)
    for uuid in LIVE_PHOTOS:
        still = immich.state.assets[rows[uuid]["immich_id"]]
        video = immich.state.assets[rows[uuid]["motion_video_immich_id"]]
        still.live_photo_video_id = None
        video.visibility = "timeline"
        set_tracker(
            data_dir,
            "UPDATE imported_assets SET motion_video_immich_id = NULL WHERE icloud_uuid = ?",
            uuid,
        )


@pytest.fixture
def imported(
    run_cli: Run, library_copy: Callable[[str], Path], configure: Callable[[Path], None]
) -> Path:
    library = library_copy(MEDIA_TYPES)
    configure(library)
    import_json(run_cli)
    return library


def test_repair_paired_videos_links_a_split_live_photo_without_uploading(
    run_cli: Run, imported: Path, immich: ImmichDouble, data_dir: Path
) -> None:
    split_live_photos(immich, data_dir)
    before = len(immich.requests)
    # The spatial Live Photo's motion video is absent from the fixture: reported.
    repairs = run_json(run_cli, "import", "--repair-paired-videos")
    assert repairs["not_in_library"] == 1 and repairs["problems"] == {}
    later = [s.operation for s in immich.requests[before:]]
    assert later.count("uploadAsset") == 0
    assert later.count("updateAsset") == len(LIVE_PHOTOS)
    assert repairs["linked_existing"] == len(LIVE_PHOTOS) and repairs["uploaded_and_linked"] == 0
    assert_tracker_matches_server(data_dir, immich)


def test_reclassify_repair_uploads_a_motion_video_the_server_lacks(
    run_cli: Run, imported: Path, immich: ImmichDouble, data_dir: Path
) -> None:
    uuid = LIVE_PHOTOS[0]
    row = tracker_rows(data_dir)[uuid]
    immich.state.assets[row["immich_id"]].live_photo_video_id = None
    immich.state.remove_asset(row["motion_video_immich_id"])
    set_tracker(
        data_dir,
        "UPDATE imported_assets SET motion_video_immich_id = NULL WHERE icloud_uuid = ?",
        uuid,
    )
    result = run_json(run_cli, "reclassify", "--repair")
    assert result["repairs"]["uploaded_and_linked"] == 1
    assert tracker_rows(data_dir)[uuid]["motion_video_immich_id"]
    assert_tracker_matches_server(data_dir, immich)


def test_repair_cinematic_keeps_sidecars_imported_before(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    data_dir: Path,
) -> None:
    library = library_copy(MEDIA_TYPES)
    uuid = "E03F1E85-1658-4363-9E68-CCE12F9B14F2"
    (materialize(library, "originals/E") / f"{uuid}.mov").write_bytes(b"cinematic stand-in")
    configure(library)
    import_json(run_cli)
    set_tracker(data_dir, "UPDATE imported_assets SET cinematic_sidecars = NULL")
    (data_dir / "sidecars" / uuid / "IMG_3932.AAE").unlink()
    repairs = run_json(run_cli, "import", "--repair-cinematic")
    assert repairs["sidecars_kept"] == 1
    assert (data_dir / "sidecars" / uuid / "IMG_3932.AAE").is_file()
    assert json.loads(tracker_rows(data_dir)[uuid]["cinematic_sidecars"]) == ["IMG_3932.AAE"]


def test_cleanup_archives_what_photos_deleted_and_keeps_it_in_immich(
    run_cli: Run, imported: Path, immich: ImmichDouble, data_dir: Path
) -> None:
    screenshot, missing_panorama = (
        "A344F711-313A-4D64-AA6D-108013A43DD4",
        "D07B18F1-9D95-4DC8-8F7C-A6AEB77F1534",
    )
    immich_id = tracker_rows(data_dir)[screenshot]["immich_id"]
    delete_from_photos(imported, screenshot)
    delete_from_photos(imported, missing_panorama)  # skipped, never imported
    dry = run_cli("cleanup", "--dry-run")
    assert "Would mark 1 asset archived" in dry.stdout and "IMG_2908.PNG" in dry.stdout
    assert tracker_rows(data_dir)[screenshot]["archived"] == 0
    result = run_json(run_cli, "cleanup")
    assert [a["uuid"] for a in result["archived"]] == [screenshot]
    assert [a["uuid"] for a in result["forgotten"]] == [missing_panorama]
    rows = tracker_rows(data_dir)
    assert rows[screenshot]["archived"] == 1 and missing_panorama not in rows
    assert immich_id in immich.state.assets  # nothing deleted in Immich
    status = run_json(run_cli, "status")
    assert status["tracker"]["archived"] == 1 and status["gone_from_library"] == 0


def test_cleanup_refuses_when_the_library_looks_wrong(
    run_cli: Run, imported: Path, data_dir: Path
) -> None:
    set_tracker(
        data_dir,
        "INSERT INTO imported_assets (icloud_uuid, status) SELECT"
        " 'FAKE-' || value, 'imported' FROM generate_series(1, 200)"
        if sqlite3.sqlite_version_info >= (3, 41)
        else "SELECT 1",
    )
    with closing(sqlite3.connect(data_dir / "tracker.db")) as connection, connection:
        connection.executemany(
            "INSERT OR IGNORE INTO imported_assets (icloud_uuid, status) VALUES (?, 'imported')",
            [(f"FAKE-{n}",) for n in range(200)],
        )
    result = run_cli("cleanup")
    assert_one_clear_line(result, "Refusing to clean up", "--force")
    assert run_cli("cleanup", "--force").exit_code == 0


def test_sync_imports_new_and_archives_deleted_in_one_run(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    library = library_copy("Test-26.1.photoslibrary")
    configure(library)
    first = run_json(run_cli, "sync")
    assert first["ok"] and first["import"]["uploaded"] == 10
    gone = "1EB2B765-0765-43BA-A90C-0D0580E6172C"
    delete_from_photos(library, gone)
    second = run_json(run_cli, "sync")
    assert second["import"]["uploaded"] == 0 and second["cleanup"]["archived"] == 1
    before = len(immich.requests)
    third = run_json(run_cli, "sync")
    assert third["cleanup"]["archived"] == 0
    assert not [s for s in immich.requests[before:] if s.operation in WRITES]


def test_sync_exit_code_says_when_something_failed(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configure(shared_libraries["Test-26.1.photoslibrary"])
    monkeypatch.setenv("IMMICH_RETRIES", "1")
    immich.fail_next(1, 500, operation="uploadAsset")
    result = run_json(run_cli, "sync", code=1)
    assert result["ok"] is False and result["import"]["failed"] == 1


def test_review_groups_exports_and_round_trips(
    run_cli: Run, imported: Path, data_dir: Path, tmp_path: Path
) -> None:
    shown = run_cli("review")
    assert shown.exit_code == 0
    assert "5 skipped: original file is missing from the library" in shown.stdout
    assert "IMG_7027.MOV, taken 2024-05-30T14:10:12-07:00" in shown.stdout
    export = tmp_path / "problems.json"
    assert run_cli("review", "--export", str(export)).exit_code == 0
    document = json.loads(export.read_text())
    assert document["version"] == 1 and len(document["problems"]) == 6
    incomplete = [p for p in document["problems"] if p["status"] == "imported"]
    assert [p["filename"] for p in incomplete] == ["IMG_4076.HEIC"]  # no motion video on disk
    rows = tracker_rows(data_dir)
    for problem in document["problems"]:
        row = rows[problem["uuid"]]
        assert (problem["status"], problem["reason"], problem["filename"]) == (
            row["status"],
            row["error_reason"],
            row["filename"],
        )
    again = json.loads(json.dumps(document))
    assert again == document
    assert run_json(run_cli, "review", "--failed-only")["problems"] == []


def test_review_retry_turns_a_transient_failure_into_imported(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configure(shared_libraries["Test-26.1.photoslibrary"])
    monkeypatch.setenv("IMMICH_RETRIES", "1")
    immich.fail_next(2, 503, operation="uploadAsset")
    import_json(run_cli, code=1)
    failed = [u for u, r in tracker_rows(data_dir).items() if r["status"] == "failed"]
    assert len(failed) == 2
    retried = run_json(run_cli, "review", "--retry")
    assert retried["uploaded"] == 2 and retried["failed"] == 0
    assert all(tracker_rows(data_dir)[u]["status"] == "imported" for u in failed)
    assert_tracker_matches_server(data_dir, immich)


def test_review_delete_needs_macos(run_cli: Run, imported: Path) -> None:
    result = run_cli("review", "--delete", "--yes")
    assert_one_clear_line(result, "review --delete needs macOS Photos")


def test_verify_finds_and_fixes_what_went_missing_on_the_server(
    run_cli: Run, imported: Path, immich: ImmichDouble, data_dir: Path
) -> None:
    assert run_json(run_cli, "verify")["differences"] == []
    rows = tracker_rows(data_dir)
    deleted, trashed, unlinked = (
        "A344F711-313A-4D64-AA6D-108013A43DD4",
        "5F9BCC2D-D1DF-46D8-8F70-C142B25D3DC3",
        LIVE_PHOTOS[2],
    )
    immich.state.remove_asset(rows[deleted]["immich_id"])
    immich.state.assets[rows[trashed]["immich_id"]].trashed = True
    immich.state.assets[rows[unlinked]["immich_id"]].live_photo_video_id = None
    burst_album = next(a for a in immich.state.albums.values() if a.name == "BurstAlbum")
    burst_album.assets.clear()  # someone removed the photo from the album in Immich
    report = run_json(run_cli, "verify", code=1)
    problems = {
        (d["filename"] if d["problem"].startswith("album") else d["uuid"], d["problem"])
        for d in report["differences"]
    }
    assert problems == {
        (deleted, "missing on the server"),
        (trashed, "in Immich's trash"),
        (unlinked, "Live Photo not linked to its motion video"),
        ("BurstAlbum", "album in Immich lacks assets Photos has in it"),
    }
    fixed = run_json(run_cli, "verify", "--fix")
    assert fixed["differences"] == [] and fixed["fixed"] == 4
    assert burst_album.assets
    assert_tracker_matches_server(data_dir, immich)
    assert not immich.state.assets[tracker_rows(data_dir)[trashed]["immich_id"]].trashed


def test_verify_fix_checks_again_once_immich_has_read_what_it_uploaded(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    """Issue 29: an asset uploaded again by ``verify --fix`` gets its keywords from its
    sidecar when Immich has read it, moments later on a busy server; the check after the
    repair waits for that, and does not call a repair that worked a missing tag."""
    configure(library_copy("Test-26.1.photoslibrary"))
    import_json(run_cli)
    rows = tracker_rows(data_dir)
    tagged = next(
        u for u, r in rows.items() if json.loads(r["applied_metadata"] or "{}").get("keywords")
    )
    immich.state.remove_asset(rows[tagged]["immich_id"])
    immich.state.reading_seconds = 1.5
    fixed = run_json(run_cli, "verify", "--fix")
    assert fixed["differences"] == [] and fixed["repairs_failed"] == []
    again = immich.state.assets[tracker_rows(data_dir)[tagged]["immich_id"]]
    assert again.tags and not immich.state.readings


def test_verify_deep_notices_a_changed_library_file(
    run_cli: Run, imported: Path, data_dir: Path
) -> None:
    uuid = "5F9BCC2D-D1DF-46D8-8F70-C142B25D3DC3"
    folder = materialize(imported, "originals/5")
    original = folder / f"{uuid}.heic"
    data = original.read_bytes()
    original.unlink()
    original.write_bytes(data[:-1] + b"!")
    assert run_json(run_cli, "verify")["differences"] == []  # the server is fine
    deep = run_json(run_cli, "verify", "--deep", code=1)
    assert deep["differences"] == [
        {
            "problem": "the library's file changed since it was uploaded",
            "uuid": uuid,
            "filename": "IMG_0102.HEIC",
            "immich_id": tracker_rows(data_dir)[uuid]["immich_id"],
        }
    ]

"""`photos-sync import` against the Immich double, on the fixture libraries."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from tests.conftest import CliResult
from tests.support.fixtures import (
    LIBRARY_NAMES,
    expected_assets,
    materialize,
    open_for_edit,
)
from tests.support.immich_double import ImmichDouble
from tests.support.immich_double.server import Fault
from tests.support.immich_double.state import Asset
from tests.support.outcomes import (
    assert_one_clear_line,
    assert_tracker_matches_server,
    import_json,
    sha1_of,
    tracker_rows,
)

Run = Callable[..., CliResult]
MEDIA_TYPES = "Test-Media-Types-15.7.2.photoslibrary"
PER_ASSET_OPERATIONS = ("uploadAsset", "checkBulkUpload", "updateAsset", "getAssetInfo")


@pytest.mark.parametrize("name", LIBRARY_NAMES)
def test_import_puts_every_local_asset_into_immich(
    name: str,
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    configure(shared_libraries[name])
    summary = import_json(run_cli)
    expected = {
        uuid: row
        for uuid, row in expected_assets(name).items()
        if row.original_file.startswith("yes") and not row.other_has("intrash")
    }
    live = [u for u, r in expected.items() if "live .mov yes" in r.original_file]
    assert summary["imported"] == summary["uploaded"] == len(expected)
    assert summary["live_photos_linked"] == len(live)
    assert summary["failed"] == 0
    rows = tracker_rows(data_dir)
    assert {u for u, r in rows.items() if r["status"] == "imported"} == set(expected)
    visible = {a.original_file_name for a in immich.state.visible_assets()}
    assert visible == {r.original_filename for r in expected.values()}
    assert_tracker_matches_server(data_dir, immich)
    for uuid, row in expected.items():
        asset = immich.state.assets[rows[uuid]["immich_id"]]
        assert asset.file_created_at == rows[uuid]["asset_created_at"]  # the Photos date
        assert asset.is_favorite == row.other_has("favorite")
        assert asset.metadata["photos-sync"]["photosUuid"] == uuid  # type: ignore[index]


def test_second_run_sends_nothing(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
) -> None:
    configure(shared_libraries[MEDIA_TYPES])
    import_json(run_cli)
    before = len(immich.requests)
    again = import_json(run_cli)
    assert again["uploaded"] == again["imported"] == 0
    later = immich.requests[before:]
    per_asset = set(PER_ASSET_OPERATIONS) - {"checkBulkUpload"}  # one sample check, below
    assert not [seen for seen in later if seen.operation in per_asset]
    # The server's version, the key's permissions, its user, and one check that a sample of
    # recorded ids is still there (the tracker belongs to this server): once each.
    assert sorted(seen.operation for seen in later) == [
        "checkBulkUpload",
        "getMyApiKey",
        "getMyUser",
        "getServerVersion",
    ]


def test_dry_run_changes_nothing(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    configure(shared_libraries[MEDIA_TYPES])
    plan = import_json(run_cli, "--dry-run")
    assert plan["dry_run"] and plan["upload"] == 13 and plan["live_photos"] == 3
    assert plan["skip"] == 5
    assert immich.state.assets == {}
    assert not [seen for seen in immich.requests if seen.operation in PER_ASSET_OPERATIONS]
    with closing(sqlite3.connect(data_dir / "tracker.db")) as connection:
        assert connection.execute("SELECT COUNT(*) FROM imported_assets").fetchone()[0] == 0


def test_assets_already_on_the_server_are_recorded_not_sent(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    library = shared_libraries[MEDIA_TYPES]
    configure(library)
    screenshot = library / "originals" / "A" / "A344F711-313A-4D64-AA6D-108013A43DD4.png"
    phone_app_copy = Asset(
        id="6f0f4a5e-1c7b-4b8e-9a51-2f3c4d5e6f70",
        owner=immich.state.owner,
        type="IMAGE",
        original_file_name="IMG_2908.PNG",
        checksum=sha1_of(screenshot),
        size=screenshot.stat().st_size,
        file_created_at="2015-09-27T16:29:28.000Z",
        file_modified_at="2015-09-27T16:29:28.000Z",
    )
    immich.state.add_asset(phone_app_copy)
    summary = import_json(run_cli)
    assert summary["already_in_immich"] == 1 and summary["uploaded"] == 12
    row = tracker_rows(data_dir)["A344F711-313A-4D64-AA6D-108013A43DD4"]
    assert row["status"] == "imported" and row["immich_id"] == phone_app_copy.id
    uploads = [s for s in immich.requests if s.operation == "uploadAsset"]
    assert len(uploads) == 12 + 3  # 12 stills and 3 motion videos: not the screenshot
    assert_tracker_matches_server(data_dir, immich)


def test_live_photo_whose_still_is_already_there_gets_linked(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    library = shared_libraries[MEDIA_TYPES]
    configure(library)
    uuid = "D562F353-7A22-4367-9A7F-153A4D9F149C"
    still = library / "originals" / "D" / f"{uuid}.heic"
    immich.state.add_asset(
        Asset(
            id="0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d",
            owner=immich.state.owner,
            type="IMAGE",
            original_file_name="IMG_4580.HEIC",
            checksum=sha1_of(still),
            size=still.stat().st_size,
            file_created_at="2025-08-17T19:33:48.600Z",
            file_modified_at="2025-08-17T19:33:48.600Z",
        )
    )
    import_json(run_cli)
    row = tracker_rows(data_dir)[uuid]
    assert row["immich_id"] == "0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d"
    assert row["motion_video_immich_id"]
    linked = immich.state.assets["0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d"]
    assert linked.live_photo_video_id == row["motion_video_immich_id"]  # linked by an update
    assert_tracker_matches_server(data_dir, immich)


def test_cinematic_sidecars_are_kept_and_listed(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    library = library_copy(MEDIA_TYPES)
    uuid = "E03F1E85-1658-4363-9E68-CCE12F9B14F2"
    folder = materialize(library, "originals/E")
    (folder / f"{uuid}.mov").write_bytes(b"\x00\x00\x00\x14ftypqt  cinematic video stand-in")
    configure(library)
    import_json(run_cli)
    row = tracker_rows(data_dir)[uuid]
    assert row["status"] == "imported" and row["is_cinematic"] == 1
    assert json.loads(row["cinematic_sidecars"]) == ["IMG_3932.AAE"]
    kept = data_dir / "sidecars" / uuid / "IMG_3932.AAE"
    assert kept.read_bytes() == (folder / f"{uuid}_5.aae").read_bytes()
    assert immich.state.assets[row["immich_id"]].type == "VIDEO"


def test_transient_server_errors_are_retried(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
) -> None:
    configure(shared_libraries["Test-26.1.photoslibrary"])
    immich.fail_next(3, 500, operation="uploadAsset")
    immich.inject(Fault("drop", operation="uploadAsset"))
    summary = import_json(run_cli)
    assert summary["failed"] == 0 and summary["uploaded"] == 10


def test_persistent_failure_is_recorded_then_recovered(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configure(shared_libraries["Test-26.1.photoslibrary"])
    monkeypatch.setenv("IMMICH_RETRIES", "2")
    immich.fail_next(2, 500, operation="uploadAsset")  # the first asset's two tries
    immich.fail_next(1, 413, operation="uploadAsset")  # the second asset: too large
    summary = import_json(run_cli, code=1)
    assert summary["failed"] == 2 and summary["uploaded"] == 8
    reasons = {
        r["error_reason"] for r in tracker_rows(data_dir).values() if r["status"] == "failed"
    }
    assert any("answered 500" in reason and "tried 2 times" in reason for reason in reasons)
    assert any("413" in reason for reason in reasons)
    again = import_json(run_cli)
    assert again["uploaded"] == 2 and again["failed"] == 0
    assert_tracker_matches_server(data_dir, immich)


def _rename_in_photos(library: Path, uuid: str, filename: str) -> None:
    with closing(open_for_edit(library)) as connection, connection:
        connection.execute(
            "UPDATE ZADDITIONALASSETATTRIBUTES SET ZORIGINALFILENAME = ? WHERE ZASSET ="
            " (SELECT Z_PK FROM ZASSET WHERE ZUUID = ?)",
            (filename, uuid),
        )


def test_unicode_filename_arrives_intact(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    library = library_copy("Test-26.1.photoslibrary")
    uuid = "1EB2B765-0765-43BA-A90C-0D0580E6172C"
    _rename_in_photos(library, uuid, "Kürbis 🎃 Ernte.jpg")
    configure(library)
    import_json(run_cli)
    asset = immich.state.assets[tracker_rows(data_dir)[uuid]["immich_id"]]
    assert asset.original_file_name == "Kürbis 🎃 Ernte.jpg"


def test_unsupported_unreadable_and_empty_files(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    data_dir: Path,
) -> None:
    library = library_copy("Test-26.1.photoslibrary")
    pumpkins3, tulips, wedding = (
        "1EB2B765-0765-43BA-A90C-0D0580E6172C",
        "6191423D-8DB8-4D4C-92BE-9BBBA308AAC4",
        "E9BC5C36-7CD1-40A1-A72B-8B8FAC227D51",
    )
    _rename_in_photos(library, pumpkins3, "Pumpkins3.txt")
    folder = materialize(library, "originals/6")
    (folder / f"{tulips}.jpeg").unlink()
    # A file that is there but cannot be read (EIO), like a failing disk; works as root too.
    (folder / f"{tulips}.jpeg").symlink_to("/proc/self/mem")
    folder = materialize(library, "originals/E")
    (folder / f"{wedding}.jpeg").unlink()
    (folder / f"{wedding}.jpeg").write_bytes(b"")
    configure(library)
    summary = import_json(run_cli, code=1)
    rows = tracker_rows(data_dir)
    assert rows[pumpkins3]["status"] == "skipped"
    assert "does not accept this file type" in rows[pumpkins3]["error_reason"]
    assert rows[tulips]["status"] == "failed"
    assert rows[tulips]["error_reason"] == "cannot read the file: Input/output error"
    assert rows[wedding]["status"] == "skipped"
    assert rows[wedding]["error_reason"] == "the file is empty (0 bytes)"
    assert summary["uploaded"] == 7


def test_wrong_url_server_down(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    monkeypatch: pytest.MonkeyPatch,
    data_dir: Path,
) -> None:
    configure(shared_libraries[MEDIA_TYPES])
    monkeypatch.setenv("IMMICH_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("IMMICH_RETRIES", "1")
    result = run_cli("import")
    assert_one_clear_line(result, "Immich is not reachable at http://127.0.0.1:9/api")
    assert not (data_dir / "tracker.db").exists() or not [
        r for r in tracker_rows(data_dir).values() if r["status"] == "failed"
    ]


def test_wrong_key_stops_before_anything(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    monkeypatch: pytest.MonkeyPatch,
    immich: ImmichDouble,
) -> None:
    configure(shared_libraries[MEDIA_TYPES])
    monkeypatch.setenv("IMMICH_API_KEY", "wrong-key")
    result = run_cli("import")
    assert_one_clear_line(result, "Immich rejected the API key (Invalid API key)")
    assert "wrong-key" not in result.stderr + result.stdout
    assert immich.state.assets == {}


def test_key_without_upload_permission(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    monkeypatch: pytest.MonkeyPatch,
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    configure(shared_libraries[MEDIA_TYPES])
    monkeypatch.setenv("IMMICH_API_KEY", immich.add_key(["asset.read", "asset.update"]))
    result = run_cli("import")
    assert_one_clear_line(result, "lacks asset.upload")
    assert immich.state.assets == {}


def test_key_revoked_mid_run_stops_without_recording_failures(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    configure(shared_libraries["Test-26.1.photoslibrary"])
    immich.fail_next(1, 401, operation="uploadAsset")
    result = run_cli("import")
    assert_one_clear_line(result, "Immich rejected the API key")
    rows = tracker_rows(data_dir).values()
    assert not [r for r in rows if r["status"] == "failed"]


def test_missing_configuration(run_cli: Run, shared_libraries: dict[str, Path]) -> None:
    result = run_cli("--library", str(shared_libraries[MEDIA_TYPES]), "import")
    assert_one_clear_line(result, "IMMICH_URL is not set")


def test_limit_and_hidden_as(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    configure(shared_libraries["Test-26.1.photoslibrary"])
    first = import_json(run_cli, "--limit", "3")
    assert first["uploaded"] == 3 and first["deferred_by_limit"] == 7
    rest = import_json(run_cli, "--hidden-as", "skip")
    assert rest["uploaded"] == 7
    human = run_cli("import")
    assert human.exit_code == 0 and "uploaded" in human.stdout


def test_include_cloud_on_linux_records_cloud_only_assets_as_skipped(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    data_dir: Path,
) -> None:
    configure(shared_libraries["Test-Shared-10.15.1.photoslibrary"])
    result = run_cli("import", "--include-cloud")
    assert result.exit_code == 0
    assert "--include-cloud needs macOS Photos" in result.stderr
    row = tracker_rows(data_dir)["9D671650-B2FD-4760-84CA-FD25AF622C63"]
    assert row["status"] == "skipped" and "needs macOS Photos" in row["error_reason"]
    plain = run_cli("import")
    assert plain.exit_code == 0
    row = tracker_rows(data_dir)["9D671650-B2FD-4760-84CA-FD25AF622C63"]
    assert row["error_reason"] == "in iCloud only, use --include-cloud"


def test_skip_local_check_finds_missing_files_when_their_turn_comes(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    data_dir: Path,
) -> None:
    configure(shared_libraries[MEDIA_TYPES])
    plan = import_json(run_cli, "--dry-run", "--skip-local-check")
    assert plan["upload"] == 18 and plan["skip"] == 0
    summary = import_json(run_cli, "--skip-local-check")
    assert summary["uploaded"] == 13
    assert summary["skipped_by_reason"] == {
        "original file is missing from the library (Photos lists it as local)": 5
    }


def test_server_restart_mid_run_loses_nothing(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configure(shared_libraries["Test-26.1.photoslibrary"])
    monkeypatch.setenv("IMMICH_RETRY_WAIT", "0.5")
    immich.latency = 0.05

    def restart_after_first_upload() -> None:
        while immich.calls("uploadAsset") < 2:
            time.sleep(0.01)
        immich.restart(down_seconds=1.0)

    restarter = threading.Thread(target=restart_after_first_upload)
    restarter.start()
    summary = import_json(run_cli)
    restarter.join()
    assert summary["failed"] == 0 and summary["uploaded"] == 10
    assert summary["uploaded"] + summary["already_in_immich"] == summary["imported"]
    assert_tracker_matches_server(data_dir, immich)

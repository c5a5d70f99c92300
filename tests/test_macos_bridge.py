"""The iCloud and Recently Deleted paths, run on Linux against a fake Photos bridge."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from photos_sync.errors import PhotosSyncError
from photos_sync.source import bridge as bridges
from photos_sync.source.records import ResourceKind
from tests.conftest import CliResult
from tests.support.fake_bridge import FakeBridge
from tests.support.fixtures import materialize, open_for_edit
from tests.support.immich_double import ImmichDouble
from tests.support.outcomes import assert_one_clear_line, import_json, tracker_rows

Run = Callable[..., CliResult]
CLOUD_ONLY = "9D671650-B2FD-4760-84CA-FD25AF622C63"  # not downloaded, in the shared library
SHARED = "Test-Shared-10.15.1.photoslibrary"
MEDIA_TYPES = "Test-Media-Types-15.7.2.photoslibrary"
CINEMATIC = "E03F1E85-1658-4363-9E68-CCE12F9B14F2"  # IMG_3932.MOV, its AAE in originals/E


@pytest.fixture
def bridge(monkeypatch: pytest.MonkeyPatch) -> FakeBridge:
    fake = FakeBridge(files={CLOUD_ONLY: b"\xff\xd8 the photo, from iCloud"})
    monkeypatch.setattr(bridges, "photos_bridge", lambda: fake)
    return fake


@pytest.fixture
def shared(shared_libraries: dict[str, Path], configure: Callable[[Path], None]) -> Path:
    configure(shared_libraries[SHARED])
    return shared_libraries[SHARED]


def test_include_cloud_downloads_uploads_and_cleans_up(
    run_cli: Run, shared: Path, bridge: FakeBridge, immich: ImmichDouble, data_dir: Path
) -> None:
    summary = import_json(run_cli, "--include-cloud", "--delay", "0")
    assert summary["uploaded"] == 3 and summary["skipped"] == 0
    row = tracker_rows(data_dir)[CLOUD_ONLY]
    assert row["status"] == "imported"
    assert immich.state.assets[row["immich_id"]].size == len(bridge.files[CLOUD_ONLY])
    assert bridge.downloads == [CLOUD_ONLY]  # only the asset that needed it
    assert not any((data_dir / "downloads").rglob("*.jpeg"))  # deleted once uploaded


def test_without_include_cloud_nothing_is_downloaded(
    run_cli: Run, shared: Path, bridge: FakeBridge, data_dir: Path
) -> None:
    import_json(run_cli)
    assert bridge.downloads == []
    assert tracker_rows(data_dir)[CLOUD_ONLY]["error_reason"] == (
        "in iCloud only, use --include-cloud"
    )


def test_icloud_busy_is_retried_then_succeeds(
    run_cli: Run, shared: Path, bridge: FakeBridge, data_dir: Path
) -> None:
    bridge.busy[CLOUD_ONLY] = 2
    import_json(run_cli, "--include-cloud", "--delay", "0")
    assert bridge.downloads == [CLOUD_ONLY] * 3
    assert tracker_rows(data_dir)[CLOUD_ONLY]["status"] == "imported"


def test_icloud_busy_for_long_fails_and_review_retry_imports_it_later(
    run_cli: Run, shared: Path, bridge: FakeBridge, data_dir: Path
) -> None:
    bridge.busy[CLOUD_ONLY] = 5
    import_json(run_cli, "--include-cloud", "--delay", "0", code=1)
    row = tracker_rows(data_dir)[CLOUD_ONLY]
    assert row["status"] == "failed"
    assert row["error_reason"].startswith("PHPhotosErrorDomain error 3169")
    bridge.busy[CLOUD_ONLY] = 0
    result = run_cli("review", "--retry", "--include-cloud", "--json")
    assert result.exit_code == 0, result.stderr
    assert tracker_rows(data_dir)[CLOUD_ONLY]["status"] == "imported"


def test_orphans_are_skipped_with_the_seeds_reason(
    run_cli: Run, shared: Path, bridge: FakeBridge, data_dir: Path
) -> None:
    bridge.orphans.add(CLOUD_ONLY)
    import_json(run_cli, "--include-cloud", "--delay", "0")
    row = tracker_rows(data_dir)[CLOUD_ONLY]
    assert (row["status"], row["error_reason"]) == ("skipped", "No resource found")


def test_review_delete_moves_problem_assets_to_recently_deleted(
    run_cli: Run, shared: Path, bridge: FakeBridge, data_dir: Path
) -> None:
    bridge.orphans.add(CLOUD_ONLY)
    import_json(run_cli, "--include-cloud", "--delay", "0")
    dry = run_cli("review", "--delete", "--dry-run")
    assert "would move 1 asset to" in dry.stdout and bridge.deleted == []
    done = run_cli("review", "--delete", "--yes")
    assert done.exit_code == 0 and bridge.deleted == [CLOUD_ONLY]


def test_review_delete_on_linux_without_the_bridge(run_cli: Run, shared: Path) -> None:
    assert_one_clear_line(
        run_cli("review", "--delete", "--yes"), "review --delete needs macOS Photos"
    )


def test_the_photokit_bridge_refuses_to_load_off_macos() -> None:
    with pytest.raises(PhotosSyncError, match="needs macOS Photos"):
        import photos_sync.source.photokit  # noqa: F401
    assert bridges.photos_bridge() is None


def _only_in_icloud(library: Path, uuid: str) -> None:
    """Make an asset of a library copy what Optimize Storage leaves: in the iCloud library,
    none of its original's resources on this Mac."""
    with closing(open_for_edit(library)) as connection, connection:
        (pk,) = connection.execute("SELECT Z_PK FROM ZASSET WHERE ZUUID = ?", (uuid,)).fetchone()
        connection.execute(
            "UPDATE ZASSET SET ZCLOUDASSETGUID = ? WHERE Z_PK = ?", (f"cloud-{uuid}", pk)
        )
        connection.execute(
            "UPDATE ZINTERNALRESOURCE SET ZLOCALAVAILABILITY = -1"
            " WHERE ZASSET = ? AND ZVERSION = 0",
            (pk,),
        )


def test_cloud_only_cinematic_video_comes_with_its_adjustments(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    bridge: FakeBridge,
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    library = library_copy(MEDIA_TYPES)
    (materialize(library, "originals/E") / f"{CINEMATIC}_5.aae").unlink()  # not on this Mac
    _only_in_icloud(library, CINEMATIC)
    video = b"\x00\x00\x00\x14ftypqt  cinematic video, from iCloud"
    adjustments = b"<?xml version='1.0'?><plist>cinematic edits, from iCloud</plist>"
    bridge.files[CINEMATIC] = video
    bridge.parts[(CINEMATIC, ResourceKind.AAE)] = adjustments
    configure(library)

    import_json(run_cli, "--include-cloud", "--delay", "0")
    row = tracker_rows(data_dir)[CINEMATIC]
    assert row["status"] == "imported"
    assert immich.state.assets[row["immich_id"]].size == len(video)
    assert json.loads(row["cinematic_sidecars"]) == ["IMG_3932.AAE"]
    assert (data_dir / "sidecars" / CINEMATIC / "IMG_3932.AAE").read_bytes() == adjustments
    assert not any((data_dir / "downloads").rglob("*.bin"))  # deleted once uploaded

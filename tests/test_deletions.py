"""Deletions that follow, safely (issue 15, part 3): keep by default; archive or trash in
Immich what photos-sync uploaded (an asset in the user's own album only archived); Photos'
Recently Deleted counts; a restore in Photos comes back; more than a hundred needs --yes."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from photos_sync.immich import permissions
from photos_sync.workflow import cleanup as cleanup_work
from tests.conftest import CliResult, run_json
from tests.support.fixtures import open_for_edit
from tests.support.immich_double import ImmichDouble
from tests.support.immich_double.state import Album
from tests.support.outcomes import assert_one_clear_line, tracker_rows

Run = Callable[..., CliResult]
TEST_26 = "Test-26.1.photoslibrary"


def _recently_deleted(library: Path, uuids: list[str], deleted: bool = True) -> None:
    """Move assets into Photos' Recently Deleted (or back out of it)."""
    with closing(open_for_edit(library)) as db, db:
        db.executemany(
            "UPDATE ZASSET SET ZTRASHEDSTATE = ? WHERE ZUUID = ?",
            [(int(deleted), uuid) for uuid in uuids],
        )


def _imported(data_dir: Path) -> dict[str, str]:
    return {
        u: r["immich_id"] for u, r in tracker_rows(data_dir).items() if r["status"] == "imported"
    }


def test_by_default_immich_keeps_everything_and_status_names_recently_deleted(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    library = library_copy(TEST_26)
    configure(library)
    run_json(run_cli, "sync")
    uuid, immich_id = next(iter(sorted(_imported(data_dir).items())))
    _recently_deleted(library, [uuid])
    run_json(run_cli, "sync")
    asset = immich.state.assets[immich_id]
    assert not asset.trashed and asset.visibility == "timeline"
    status = run_json(run_cli, "status")
    assert status["recently_deleted_in_photos"] == 1 and status["deletions"] == "keep"
    assert "Deleted in Photos kept in Immich (--deletions keep)" in run_cli("status").stdout


def test_trash_follows_spares_the_users_albums_and_comes_back_with_photos(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    library = library_copy(TEST_26)
    configure(library)
    run_json(run_cli, "sync", "--deletions", "trash")
    (gone, gone_id), (kept, kept_id) = sorted(_imported(data_dir).items())[:2]
    owner = immich.state.assets[kept_id].owner
    mine = Album(id="0" * 8 + "-0000-4000-8000-" + "1" * 12, owner=owner, name="Mine")
    mine.assets.append(kept_id)
    immich.state.albums[mine.id] = mine  # an album the user made in Immich
    _recently_deleted(library, [gone, kept])
    followed = run_json(run_cli, "sync")  # the mode is remembered
    assert run_json(run_cli, "status")["deletions"] == "trash"
    assert followed["cleanup"]["in_immich"] == {"archived": 1, "trashed": 1}
    assert immich.state.assets[gone_id].trashed
    assert not immich.state.assets[kept_id].trashed
    assert immich.state.assets[kept_id].visibility == "archive"
    assert len(immich.state.assets) == len(_imported(data_dir))  # nothing deleted for good
    _recently_deleted(library, [gone, kept], deleted=False)  # restored in Photos
    back = run_json(run_cli, "sync")
    assert back["cleanup"]["in_immich"] == {"restored": 2}
    for immich_id in (gone_id, kept_id):
        asset = immich.state.assets[immich_id]
        assert not asset.trashed and asset.visibility == "timeline"
    rows = tracker_rows(data_dir)
    assert not rows[gone]["archived"] and not rows[kept]["archived"]
    assert run_json(run_cli, "verify")["differences"] == []


def test_more_than_the_limit_at_once_needs_yes(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cleanup_work, "AT_ONCE", 1)
    library = library_copy(TEST_26)
    configure(library)
    run_json(run_cli, "sync")
    chosen = dict(sorted(_imported(data_dir).items())[:2])
    _recently_deleted(library, list(chosen))
    refused = run_cli("cleanup", "--deletions", "archive")
    assert_one_clear_line(refused, "2 assets deleted in Photos would move", "--yes")
    assert all(immich.state.assets[i].visibility == "timeline" for i in chosen.values())
    assert not any(tracker_rows(data_dir)[u]["archived"] for u in chosen)
    done = run_json(run_cli, "cleanup", "--yes")
    assert done["in_immich"] == {"archived": 2}
    assert all(immich.state.assets[i].visibility == "archive" for i in chosen.values())


def test_a_key_that_cannot_trash_is_refused_before_any_upload(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configure(library_copy(TEST_26))
    granted = [p for p in permissions.every_permission() if p != "asset.delete"]
    monkeypatch.setenv("IMMICH_API_KEY", immich.add_key(granted))
    refused = run_cli("sync", "--deletions", "trash")
    assert_one_clear_line(refused, "asset.delete")
    assert immich.state.assets == {}

"""Trust, import side (issue 12, cases 2-6, 13, 14): no photo silently left out, nothing
recorded that the server does not hold, nothing the user did in Immich undone. Real
fixture libraries, the Immich double."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from photos_sync.upload import importer
from tests.conftest import CliResult, run_json
from tests.support.fixtures import copy_library, materialize, open_for_edit
from tests.support.immich_double import ImmichDouble
from tests.support.immich_double.server import Fault
from tests.support.outcomes import (
    assert_one_clear_line,
    assert_tracker_matches_server,
    import_json,
    tracker_rows,
)

Run = Callable[..., CliResult]
MEDIA_TYPES = "Test-Media-Types-15.7.2.photoslibrary"
TEST_26 = "Test-26.1.photoslibrary"
PUMPKINS = "1EB2B765-0765-43BA-A90C-0D0580E6172C"  # Test-26.1, a plain JPEG


def photos_albums(library: Path) -> int:
    """User albums in Photos (kind 2, not in the trash), as the import mirrors them."""
    with closing(sqlite3.connect(library / "database" / "Photos.sqlite")) as connection:
        return int(
            connection.execute(
                "SELECT COUNT(*) FROM ZGENERICALBUM WHERE ZKIND = 2 AND ZTRASHEDSTATE = 0"
            ).fetchone()[0]
        )


def test_case_02_a_missing_original_is_imported_once_it_is_back(
    run_cli: Run, tmp_path: Path, configure: Callable[[Path], None], immich: ImmichDouble
) -> None:
    library = copy_library(TEST_26, tmp_path / "libs")
    real = (library / "originals").resolve()
    (library / "originals").unlink()
    (library / "originals").mkdir()  # a copy whose files have not arrived yet
    configure(library)
    first = import_json(run_cli)
    assert first["uploaded"] == 0 and first["skipped"] == 14  # 4 have no local file at all
    (library / "originals").rmdir()
    (library / "originals").symlink_to(real, target_is_directory=True)
    second = import_json(run_cli)
    assert second["uploaded"] == 10 and second["skipped"] == 4
    assert len(immich.state.assets) == 10


def test_case_02_sync_and_review_retry_recheck_missing_files_too(
    run_cli: Run, tmp_path: Path, configure: Callable[[Path], None], immich: ImmichDouble
) -> None:
    library = copy_library(TEST_26, tmp_path / "libs")
    real = (library / "originals").resolve()
    (library / "originals").unlink()
    (library / "originals").mkdir()
    configure(library)
    assert run_json(run_cli, "sync")["import"]["skipped"] == 14
    (library / "originals").rmdir()
    (library / "originals").symlink_to(real, target_is_directory=True)
    retried = run_cli("review", "--skipped-only", "--retry", "--limit", "3")
    assert retried.exit_code == 0, retried.stderr
    assert len(immich.state.assets) == 3
    assert run_json(run_cli, "sync")["import"]["uploaded"] == 7


def test_case_03_a_tracker_pointed_at_another_server_stops_and_rebinds(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    monkeypatch: pytest.MonkeyPatch,
    data_dir: Path,
    immich: ImmichDouble,
) -> None:
    configure(shared_libraries[TEST_26])
    assert import_json(run_cli)["uploaded"] == 10
    on_first = len(immich.state.assets)
    with ImmichDouble() as fresh:  # Immich reinstalled, same address, empty
        monkeypatch.setenv("IMMICH_URL", fresh.url)
        monkeypatch.setenv("IMMICH_API_KEY", fresh.add_key(["all"]))
        for command in ("import", "sync"):
            refused = run_cli(command)
            assert_one_clear_line(refused, "another Immich server or user", "--rebind")
        assert fresh.state.assets == {}
        rebound = run_json(run_cli, "sync", "--rebind")
        assert rebound["import"]["uploaded"] == 10
        assert len(fresh.state.assets) == on_first
        assert_tracker_matches_server(data_dir, fresh)
        assert import_json(run_cli)["uploaded"] == 0  # bound to the new server now
        assert fresh.violations == []


def test_case_04_a_lost_album_answer_makes_no_second_album(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    library = shared_libraries[TEST_26]
    configure(library)
    immich.inject(Fault("lost_answer", operation="createAlbum"))
    import_json(run_cli)
    assert immich.faults_left == 0
    albums = len(immich.state.albums)
    assert albums == photos_albums(library)
    monkeypatch.setenv("PHOTOS_SYNC_DATA", str(tmp_path / "fresh-data"))  # a lost tracker
    import_json(run_cli)
    assert len(immich.state.albums) == albums


def test_case_04_verify_finds_and_merges_a_duplicated_album(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
) -> None:
    configure(shared_libraries[TEST_26])
    import_json(run_cli)
    albums = len(immich.state.albums)
    original = next(a for a in immich.state.albums.values() if len(a.assets) >= 2)
    twin_key = immich.add_key(["all"])
    assert twin_key
    from tests.support.immich_double.state import Album

    twin = Album(
        id="0" * 8 + "-0000-4000-8000-" + "0" * 12,
        owner=original.owner,
        name=original.name,
        assets=original.assets[:1],
        description=original.description,
    )
    immich.state.albums[twin.id] = twin  # what an older run's lost answer left behind
    report = run_json(run_cli, "verify", code=1)
    assert {"problem": "album appears twice in Immich", "filename": original.name} in [
        {"problem": d["problem"], "filename": d["filename"]} for d in report["differences"]
    ]
    fixed = run_json(run_cli, "verify", "--fix")
    assert fixed["differences"] == []
    assert len(immich.state.albums) == albums
    assert set(original.assets) >= set(twin.assets)


def test_case_05_an_asset_back_in_the_library_is_no_longer_archived(
    run_cli: Run, tmp_path: Path, configure: Callable[[Path], None], immich: ImmichDouble
) -> None:
    partial = copy_library(TEST_26, tmp_path / "partial")
    full = copy_library(TEST_26, tmp_path / "full")
    configure(full)
    assert run_json(run_cli, "sync")["import"]["uploaded"] == 10
    with closing(open_for_edit(partial)) as connection, connection:
        gone = [
            row[0]
            for row in connection.execute(
                "SELECT ZUUID FROM ZASSET WHERE ZKIND = 0 ORDER BY ZUUID LIMIT 3"
            )
        ]
        connection.executemany("DELETE FROM ZASSET WHERE ZUUID = ?", [(u,) for u in gone])
    configure(partial)
    assert run_json(run_cli, "sync")["cleanup"]["archived"] == 3
    configure(full)
    with closing(open_for_edit(full)) as connection, connection:
        connection.execute(
            "UPDATE ZASSET SET ZFAVORITE = 1, ZMODIFICATIONDATE = ZMODIFICATIONDATE + 10"
            " WHERE ZUUID = ?",
            (gone[0],),
        )
    run_json(run_cli, "sync")
    rows = tracker_rows(tmp_path / "data")
    assert [rows[uuid]["archived"] for uuid in gone] == [0, 0, 0]
    assert immich.state.assets[rows[gone[0]]["immich_id"]].is_favorite
    assert run_json(run_cli, "status")["tracker"]["archived"] == 0


def test_case_06_a_file_changed_during_upload_is_not_recorded_as_imported(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    library = library_copy(TEST_26)
    folder = materialize(library, "originals/1")
    target = folder / f"{PUMPKINS}.jpeg"
    real_hash = importer.sha1_of  # type: ignore[attr-defined]

    def hash_then_overwrite(path: Path) -> tuple[str, int]:
        digest = real_hash(path)
        if path == target:  # the user's sync tool replaces the file right after hashing
            data = target.read_bytes()
            target.unlink()
            target.write_bytes(data[:-100] + b"X" * 100)
        return digest

    monkeypatch.setattr(importer, "sha1_of", hash_then_overwrite)
    configure(library)
    summary = import_json(run_cli, code=1)
    assert summary["failed_by_reason"] == {
        "the file changed while it was uploaded; the next run uploads it as it is now": 1
    }
    assert tracker_rows(data_dir)[PUMPKINS]["status"] == "failed"
    monkeypatch.setattr(importer, "sha1_of", real_hash)
    again = import_json(run_cli)
    assert again["failed"] == 0
    assert_tracker_matches_server(data_dir, immich)


def test_case_06_verify_fix_repairs_a_row_whose_id_holds_another_file(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    configure(shared_libraries[TEST_26])
    import_json(run_cli)
    rows = tracker_rows(data_dir)
    other = next(r for u, r in rows.items() if u != PUMPKINS and r["status"] == "imported")
    with closing(sqlite3.connect(data_dir / "tracker.db")) as connection, connection:
        connection.execute(  # what the race used to leave: two assets, one Immich id
            "UPDATE imported_assets SET immich_id = ? WHERE icloud_uuid = ?",
            (other["immich_id"], PUMPKINS),
        )
    report = run_json(run_cli, "verify", code=1)
    assert PUMPKINS in [d["uuid"] for d in report["differences"]]
    fixed = run_json(run_cli, "verify", "--fix")
    assert fixed["differences"] == []
    assert tracker_rows(data_dir)[PUMPKINS]["immich_id"] != other["immich_id"]
    assert_tracker_matches_server(data_dir, immich)


def test_case_13_adopting_an_asset_keeps_what_was_set_in_immich(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configure(shared_libraries[TEST_26])
    import_json(run_cli)
    rows = tracker_rows(data_dir)
    by_hand = immich.state.assets[rows[PUMPKINS]["immich_id"]]
    by_hand.is_favorite = True
    by_hand.description = "written in Immich"
    monkeypatch.setenv("PHOTOS_SYNC_DATA", str(tmp_path / "fresh-data"))  # a lost tracker
    adopted = import_json(run_cli)
    assert adopted["already_in_immich"] == 10 and adopted["uploaded"] == 0
    assert by_hand.is_favorite and by_hand.description == "written in Immich"
    favorites = [a for a in immich.state.assets.values() if a.is_favorite]
    assert len(favorites) >= 2  # Photos' own favorites still arrive where Immich had none


def test_case_14_an_original_named_without_extension_uses_its_files(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    library = library_copy(TEST_26)
    with closing(open_for_edit(library)) as connection, connection:
        connection.execute(
            "UPDATE ZADDITIONALASSETATTRIBUTES SET ZORIGINALFILENAME = 'noext' WHERE ZASSET ="
            " (SELECT Z_PK FROM ZASSET WHERE ZUUID = ?)",
            (PUMPKINS,),
        )
    configure(library)
    summary = import_json(run_cli)
    assert summary["uploaded"] == 10 and summary["skipped"] == 4  # those without a file
    asset = immich.state.assets[tracker_rows(data_dir)[PUMPKINS]["immich_id"]]
    assert asset.original_file_name == "noext.jpeg"


def test_verify_fix_reuploads_an_asset_deleted_from_an_album_then_refills_it(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    configure(shared_libraries[TEST_26])
    import_json(run_cli)
    rows = tracker_rows(data_dir)
    album = next(a for a in immich.state.albums.values() if a.assets)
    dead = album.assets[0]
    uuid = next(u for u, r in rows.items() if r["immich_id"] == dead)
    immich.state.remove_asset(dead)  # deleted for good in Immich (trash emptied)
    album.assets.remove(dead)
    report = run_json(run_cli, "verify", code=1)
    assert {"missing on the server"} <= {d["problem"] for d in report["differences"]}
    fixed = run_json(run_cli, "verify", "--fix")
    assert fixed["differences"] == []
    new_id = tracker_rows(data_dir)[uuid]["immich_id"]
    assert new_id != dead and new_id in album.assets
    assert_tracker_matches_server(data_dir, immich)
    assert run_json(run_cli, "sync")["ok"]


def test_a_reuploaded_asset_gets_its_stack_back(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    configure(shared_libraries[TEST_26])
    import_json(run_cli, "--with-edits")
    rows = tracker_rows(data_dir)
    uuid = next(u for u, r in rows.items() if r["companions"] and "edited" in r["companions"])
    original = rows[uuid]["immich_id"]
    immich.state.remove_asset(original)  # deleted for good in Immich
    for stack in list(immich.state.stacks.values()):
        if original in stack.assets:
            del immich.state.stacks[stack.id]
    assert run_json(run_cli, "verify", "--fix")["differences"] == []
    run_json(run_cli, "sync", "--with-edits")
    row = tracker_rows(data_dir)[uuid]
    edited = json.loads(row["companions"])["edited"]
    stack = next(s for s in immich.state.stacks.values() if edited in s.assets)
    assert stack.primary == row["immich_id"] != original  # the new original on top again


def test_verify_finds_a_stack_taken_apart_in_immich_and_fix_restacks_it(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    configure(shared_libraries[TEST_26])
    import_json(run_cli, "--with-edits")
    rows = tracker_rows(data_dir)
    uuid = next(u for u, r in rows.items() if r["companions"] and "edited" in r["companions"])
    original = rows[uuid]["immich_id"]
    edited = json.loads(rows[uuid]["companions"])["edited"]
    assert run_json(run_cli, "verify")["differences"] == []
    for stack in list(immich.state.stacks.values()):
        if original in stack.assets:
            del immich.state.stacks[stack.id]  # unstacked by hand in Immich
    report = run_json(run_cli, "verify", code=1)
    assert [(d["problem"], d["uuid"]) for d in report["differences"]] == [
        ("stack in Immich differs from the one photos-sync made", uuid)
    ]
    assert run_json(run_cli, "verify", "--fix")["differences"] == []
    stack = next(s for s in immich.state.stacks.values() if original in s.assets)
    assert stack.primary == original and edited in stack.assets


RAW_PAIR = "A92D9C26-3A50-4197-9388-CB5F7DB9FA91"  # IMG_1994.JPG of a RAW+JPEG pair


def _raw_pair_library(library_copy: Callable[[str], Path]) -> Path:
    library = library_copy(TEST_26)
    folder = materialize(library, "originals/A")
    (folder / f"{RAW_PAIR}_4.cr2").write_bytes(b"II*\x00 a RAW file stand-in")  # not in fixture
    return library


def test_photos_own_raw_as_original_puts_the_raw_on_top(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    library = _raw_pair_library(library_copy)
    with closing(open_for_edit(library)) as connection, connection:
        connection.execute(  # "Use RAW as Original" on this one photo
            "UPDATE ZADDITIONALASSETATTRIBUTES SET ZORIGINALRESOURCECHOICE = 1 WHERE ZASSET ="
            " (SELECT Z_PK FROM ZASSET WHERE ZUUID = ?)",
            (RAW_PAIR,),
        )
    configure(library)
    import_json(run_cli)
    row = tracker_rows(data_dir)[RAW_PAIR]
    raw = json.loads(row["companions"])["raw"]
    stack = next(s for s in immich.state.stacks.values() if raw in s.assets)
    assert stack.assets == [raw, row["immich_id"]]


def test_the_favorite_of_an_edit_follows_its_original(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    library = library_copy(TEST_26)
    configure(library)
    import_json(run_cli, "--with-edits")
    rows = tracker_rows(data_dir)
    uuid = next(
        u
        for u, r in rows.items()
        if r["companions"] and "edited" in r["companions"] and not r["is_favorite"]
    )
    with closing(open_for_edit(library)) as connection, connection:
        connection.execute(
            "UPDATE ZASSET SET ZFAVORITE = 1, ZMODIFICATIONDATE = ZMODIFICATIONDATE + 10"
            " WHERE ZUUID = ?",
            (uuid,),
        )
    run_json(run_cli, "sync", "--with-edits")
    edited = json.loads(tracker_rows(data_dir)[uuid]["companions"])["edited"]
    assert immich.state.assets[edited].is_favorite
    assert immich.state.assets[rows[uuid]["immich_id"]].is_favorite


def test_a_choice_is_remembered_so_a_bare_sync_keeps_the_people_tags(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
) -> None:
    configure(shared_libraries[TEST_26])
    first = run_cli("sync", "--people-tags", "--album-prefix", "Photos: ")
    assert first.exit_code == 0, first.stderr
    assert "Remembered for this data folder" in first.stdout

    def people_tagged() -> int:
        people = {t.id for t in immich.state.tags.values() if t.value.startswith("people/")}
        return sum(1 for a in immich.state.assets.values() if a.tags & people)

    tagged = people_tagged()
    assert tagged > 0
    bare = run_json(run_cli, "sync")  # what the nightly job runs
    assert bare["metadata"]["tags_removed"] == 0 and bare["metadata"]["albums_renamed"] == 0
    assert people_tagged() == tagged
    off = run_cli("sync", "--no-people-tags")
    assert "people-tags: True -> False" in off.stdout
    assert people_tagged() == 0


def test_verify_finds_and_gives_back_a_tag_that_did_not_stick(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    configure(shared_libraries[TEST_26])
    import_json(run_cli)
    assert run_json(run_cli, "verify")["differences"] == []
    rows = tracker_rows(data_dir)
    asset = next(a for a in immich.state.assets.values() if len(a.tags) >= 2)
    lost = sorted(asset.tags)[0]
    asset.tags.discard(lost)  # what Immich's own extraction did to the keywords
    uuid = next(u for u, r in rows.items() if r["immich_id"] == asset.id)
    report = run_json(run_cli, "verify", code=1)
    assert report["differences"] == [
        {
            "problem": "tags photos-sync gave it are missing in Immich",
            "uuid": uuid,
            "filename": rows[uuid]["filename"],
            "immich_id": asset.id,
        }
    ]
    assert run_json(run_cli, "verify", "--fix")["differences"] == []
    assert lost in asset.tags


def test_status_and_review_show_a_live_photo_imported_without_its_video(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    tmp_path: Path,
) -> None:
    library = library_copy(MEDIA_TYPES)
    live = "EC19EA1A-FC91-449C-8925-B13D863E2EDB"
    (materialize(library, "originals/E") / f"{live}_3.mov").unlink()
    configure(library)
    import_json(run_cli)
    status = run_json(run_cli, "status")
    reasons = {p["reason"]: p["count"] for p in status["problems"]}
    assert reasons["imported: imported without its motion video (not on disk in the library)"] >= 1
    exported = tmp_path / "review.json"
    assert run_cli("review", "--export", str(exported)).exit_code == 0
    listed = {p["uuid"]: p for p in json.loads(exported.read_text())["problems"]}
    assert listed[live]["status"] == "imported"

"""Trust, second round (issue 30): each numbered case of the issue is a test named after it
that failed before its fix. Real rclone over a local crypt remote, the fake 1Password CLI,
the Immich double, real copies of the fixture libraries."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from photos_sync.immich.client import ImmichClient
from photos_sync.plan.metadata import ALBUM_MARK
from photos_sync.source.library import PhotosLibrary
from photos_sync.upload import importer
from photos_sync.workflow import scan
from tests.conftest import run_json
from tests.support.backup import Run, setup_local
from tests.support.fixtures import add_keywords, materialize, open_for_edit
from tests.support.immich_double import ImmichDouble
from tests.support.immich_double.state import Album, Asset
from tests.support.outcomes import assert_one_clear_line, tracker_rows


@pytest.mark.parametrize("path", ["../x", "../../etc", "library/../../x", "/../x"])
def test_issue30_case_03_restore_never_writes_outside_its_folder(
    path: str, run_cli: Run, backup_env: Path, tmp_path: Path
) -> None:
    setup_local(run_cli, backup_env)
    assert run_cli("backup", "--to", "disk").exit_code == 0
    around = tmp_path / "around"
    target = around / "restored"
    result = run_cli("restore", "--from", "disk", "--to", str(target), "--path", path)
    assert_one_clear_line(result, "--path", "leaves the backup")
    assert not around.exists()  # not the target, nor anything beside it


PUMPKINS2 = "D79B8D77-BFFC-460B-9312-034F2877D35B"  # Pumkins2.jpg, its file in the fixture


def _edit(library: Path, sql: str, *params: object) -> None:
    with closing(open_for_edit(library)) as connection, connection:
        connection.execute(sql, params)


def _server_asset(immich: ImmichDouble, data_dir: Path, uuid: str) -> Asset:
    return immich.state.assets[tracker_rows(data_dir)[uuid]["immich_id"]]


@pytest.mark.parametrize("created", [None, -1e11, 1e10], ids=["none", "year 0", "year 2318"])
def test_issue30_case_05_no_date_never_becomes_1970(
    created: float | None,
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    """An asset Photos has no date for (or an absurd one) keeps the date in its own file:
    photos-sync sends none, and the upload's file date is the file's, not 1970."""
    library = library_copy("Test-26.1.photoslibrary")
    _edit(library, "UPDATE ZASSET SET ZDATECREATED = ? WHERE ZUUID = ?", created, PUMPKINS2)
    configure(library)
    assert run_cli("sync").exit_code == 0
    asset = _server_asset(immich, data_dir, PUMPKINS2)
    assert asset.date_time_original is None  # nothing of ours: Immich keeps the file's
    assert not asset.file_created_at.startswith(("1970", "0001", "2318"))
    assert not run_json(run_cli, "status")["metadata_pending"]


TEST_26 = "Test-26.1.photoslibrary"


@pytest.fixture
def on_test_26(shared_libraries: dict[str, Path], configure: Callable[[Path], None]) -> None:
    """photos-sync pointed at the double and a shared copy of Test-26.1 (not to change)."""
    configure(shared_libraries[TEST_26])


@pytest.mark.parametrize(
    ("album", "closest"),
    [("pumpkin farm", "Pumpkin Farm"), ("Pumpkin Farm ", "Pumpkin Farm"), ("Pumpkn Farm", "")],
    ids=["other case", "trailing space", "typo"],
)
def test_issue30_case_06_an_album_photos_does_not_have_is_refused_with_the_closest(
    album: str,
    closest: str,
    run_cli: Run,
    on_test_26: None,
    immich: ImmichDouble,
) -> None:
    result = run_cli("sync", "--album", album)
    assert_one_clear_line(result, f"no album named {album!r}", closest or "Pumpkin Farm")
    assert result.exit_code == 2
    assert immich.state.assets == {}
    assert run_json(run_cli, "status")["selection"] == "the whole library"  # not remembered


def test_issue30_case_06_an_album_in_another_unicode_form_is_the_same_album(
    run_cli: Run,
    on_test_26: None,
    immich: ImmichDouble,
) -> None:
    decomposed = unicodedata.normalize("NFD", "2018-10 - Sponsion, Museum, Frühstück, Römermuseum")
    plan = run_json(run_cli, "import", "--dry-run", "--album", decomposed)
    assert plan["upload"] >= 1


def test_issue30_case_06_a_dry_run_remembers_nothing_and_says_so(
    run_cli: Run,
    on_test_26: None,
    immich: ImmichDouble,
) -> None:
    result = run_cli("import", "--dry-run", "--album", "Pumpkin Farm")
    assert result.exit_code == 0, result.stderr
    said = result.stdout + result.stderr
    assert "Remembered" not in said and "would be remembered" in said.lower()
    assert run_json(run_cli, "status")["selection"] == "the whole library"


@pytest.mark.parametrize(
    ("flags", "said"),
    [
        (("--album", "Pumpkin Farm", "--whole-library"), "--whole-library"),
        (("--since", "2020-01-01", "--until", "2019-12-31"), "--since 2020-01-01 is after"),
    ],
)
def test_issue30_case_06_choices_that_contradict_each_other_are_refused(
    flags: tuple[str, ...],
    said: str,
    run_cli: Run,
    on_test_26: None,
    immich: ImmichDouble,
) -> None:
    result = run_cli("sync", *flags)
    assert_one_clear_line(result, said)
    assert result.exit_code == 2 and immich.state.assets == {}


ODD_KEYWORDS = ("x/", "/lead", "a//b", "AC/DC", "   ")


def test_issue30_case_08_keywords_with_slashes_are_one_tag_and_stop_nothing(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    """A Photos keyword is flat: one with a "/" in it (Immich splits tags on "/") arrives as
    one tag, the "/" written "|" as Immich itself writes it; a blank one is not sent. And no
    keyword stops the metadata of the rest of the library."""
    library = library_copy(TEST_26)
    add_keywords(library, PUMPKINS2, ODD_KEYWORDS)
    configure(library)
    first = run_cli("sync")
    assert first.exit_code == 0, first.stdout + first.stderr
    asset = _server_asset(immich, data_dir, PUMPKINS2)
    values = {immich.state.tags[tag].value for tag in asset.tags}
    assert {"x|", "|lead", "a||b", "AC|DC"} <= values
    assert not any("/" in value for value in values) and "   " not in values
    # the rest of the library's metadata went too: every description Photos has
    described = [
        row
        for row in tracker_rows(data_dir).values()
        if row["immich_id"] and json.loads(row["photos_metadata"] or "{}").get("description")
    ]
    assert described
    for row in described:
        server = immich.state.assets[row["immich_id"]]
        assert server.description == json.loads(row["photos_metadata"])["description"]
    again = run_json(run_cli, "sync")
    assert again["metadata"]["tags"] == 0 and again["ok"]


def test_issue30_case_21_import_again_an_unknown_asset_is_refused(
    run_cli: Run,
    on_test_26: None,
    immich: ImmichDouble,
) -> None:
    unknown = "00000000-0000-0000-0000-00000000BEEF"
    result = run_cli("import", "--again", unknown.lower(), "--again", PUMPKINS2)
    assert_one_clear_line(result, "Photos has no asset", unknown)
    assert result.exit_code == 2 and immich.state.assets == {}


@pytest.fixture
def with_tracker(
    run_cli: Run,
    on_test_26: None,
    immich: ImmichDouble,
) -> None:
    assert run_cli("reclassify").exit_code == 0


def test_issue30_case_19_report_out_into_a_missing_folder_is_refused(
    run_cli: Run, with_tracker: None, tmp_path: Path
) -> None:
    result = run_cli("report", "--out", str(tmp_path / "nowhere" / "r.html"))
    assert_one_clear_line(result, "no folder", "nowhere")
    assert not (tmp_path / "nowhere").exists()


def test_issue30_case_19_report_out_under_a_file_is_one_clear_line(
    run_cli: Run, with_tracker: None, tmp_path: Path
) -> None:
    (tmp_path / "a-file").write_text("mine")
    result = run_cli("report", "--out", str(tmp_path / "a-file" / "r.html"))
    assert_one_clear_line(result, "a-file", "not a folder")
    assert (tmp_path / "a-file").read_text() == "mine"


def test_issue30_case_19_report_out_a_folder_writes_the_page_inside_it(
    run_cli: Run, with_tracker: None, tmp_path: Path
) -> None:
    result = run_cli("report", "--out", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "report.html").read_text().lower().startswith("<!doctype html>")


WEDDING = "E9BC5C36-7CD1-40A1-A72B-8B8FAC227D51"
TULIPS = "6191423D-8DB8-4D4C-92BE-9BBBA308AAC4"


def test_issue30_case_01_an_immich_asset_another_photos_asset_needs_is_not_trashed(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    """Two Photos assets with the same bytes are one Immich asset: the deletion of one
    leaves it where it is while the other is still in Photos."""
    library = library_copy(TEST_26)
    wedding = next((library / "originals").glob(f"*/{WEDDING}.*"))
    tulips = materialize(library, "originals/6") / f"{TULIPS}.jpeg"
    tulips.unlink()  # a link to the fixture's file: replaced, never written through
    tulips.write_bytes(wedding.read_bytes())
    configure(library)
    assert run_json(run_cli, "sync", "--deletions", "trash")["ok"]
    rows = tracker_rows(data_dir)
    shared = rows[WEDDING]["immich_id"]
    assert shared is not None and rows[TULIPS]["immich_id"] == shared
    _edit(library, "UPDATE ZASSET SET ZTRASHEDSTATE = 1 WHERE ZUUID = ?", WEDDING)
    after = run_json(run_cli, "sync")
    assert not immich.state.assets[shared].trashed
    assert after["cleanup"]["in_immich"] == {}  # nothing moved, and nothing said so
    assert run_json(run_cli, "verify")["differences"] == []


MEDIA_TYPES = "Test-Media-Types-15.7.2.photoslibrary"


@pytest.mark.parametrize("command", ["sync", "cleanup", "reclassify"])
def test_issue30_case_02_another_library_behind_the_data_folder_is_refused(
    command: str,
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    first, other = library_copy(TEST_26), library_copy(MEDIA_TYPES)
    configure(first)
    assert run_json(run_cli, "sync", "--deletions", "trash")["ok"]
    imported = {row["immich_id"] for row in tracker_rows(data_dir).values() if row["immich_id"]}
    configure(other)
    result = run_cli(command)
    assert_one_clear_line(result, str(first), str(other))
    assert result.exit_code == 5
    assert not any(immich.state.assets[i].trashed for i in imported)
    assert {row["immich_id"] for row in tracker_rows(data_dir).values() if row["immich_id"]} == (
        imported
    )


def test_issue30_case_02_the_same_library_moved_or_copied_again_is_the_same(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
    tmp_path: Path,
) -> None:
    library = library_copy(TEST_26)
    configure(library)
    assert run_json(run_cli, "sync")["ok"]
    moved = library.rename(tmp_path / "elsewhere.photoslibrary")
    configure(moved)
    again = run_json(run_cli, "sync")
    assert again["ok"] and again["import"]["uploaded"] == 0


def test_issue30_case_07_an_upload_whose_answer_a_kill_lost_is_ours_not_adopted(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A run killed between an upload and its record: the re-run finds the file by
    checksum. photos-sync sent it, so Photos' date with its zone still goes (the file's,
    as Immich read it, is three hours off), as for any upload of its own; and a deletion
    in Photos may follow it."""
    immich.state.file_dates = {
        "wedding.jpg": ("2019-04-15T21:40:24.86+00:00", "2019-04-15T14:40:24.860Z"),
    }
    configure(library_copy(TEST_26))
    real = importer.record_imported  # type: ignore[attr-defined]

    def killed(connection: sqlite3.Connection, uuid: str, **fields: Any) -> None:
        if uuid == WEDDING:
            raise KeyboardInterrupt  # the kill, after the upload, before the record
        real(connection, uuid, **fields)

    monkeypatch.setattr(importer, "record_imported", killed)
    assert run_cli("import", "--concurrency", "1").exit_code == 130
    assert tracker_rows(data_dir)[WEDDING]["sent_sha1"], "written before the upload"
    monkeypatch.setattr(importer, "record_imported", real)
    assert run_json(run_cli, "sync")["ok"]
    row = tracker_rows(data_dir)[WEDDING]
    wedding = immich.state.assets[row["immich_id"]]
    assert wedding.date_time_original == "2019-04-15T14:40:24.086000-04:00"  # Photos' own
    assert row["uploaded_by_photos_sync"] == 1


IMG_4547 = "3DD2C897-F19E-4CA6-8C22-B027D5A71907"  # Photos shows it at +09:30 (Adelaide)


def test_issue30_case_11_a_place_moved_in_photos_keeps_photos_time(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    """Immich takes the zone of a new place for the date it shows: whenever a place is
    sent, Photos' date goes with it, with its offset."""
    library = library_copy(TEST_26)
    configure(library)
    assert run_json(run_cli, "sync")["ok"]
    before = _server_asset(immich, data_dir, IMG_4547).date_time_original
    assert before is not None and before.endswith("+09:30")
    _edit(
        library,
        "UPDATE ZASSET SET ZLATITUDE = 41.0, ZLONGITUDE = -86.0,"
        " ZMODIFICATIONDATE = ZMODIFICATIONDATE + 60 WHERE ZUUID = ?",
        IMG_4547,
    )
    assert run_json(run_cli, "sync")["ok"]
    moved = _server_asset(immich, data_dir, IMG_4547)
    assert (moved.latitude, moved.longitude) == (41.0, -86.0)
    assert moved.date_time_original == before


@pytest.fixture
def synced(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> Path:
    """A data folder after a first sync of Test-26.1; its tracker."""
    configure(shared_libraries[TEST_26])
    assert run_json(run_cli, "sync")["ok"]
    return data_dir / "tracker.db"


def test_issue30_case_18_a_tracker_with_a_damaged_page_is_one_clear_line(
    run_cli: Run, synced: Path, immich: ImmichDouble
) -> None:
    with synced.open("r+b") as tracker:  # a page in the middle of the tables, overwritten
        tracker.seek(8 * 4096)
        tracker.write(b"\xde\xad" * 2048)
    uploads = immich.calls("uploadAsset")
    result = run_cli("sync")
    assert_one_clear_line(result, "damaged", str(synced), "tracker-snapshot.db")
    assert "Unexpected error" not in result.stderr
    assert immich.calls("uploadAsset") == uploads
    looked = run_cli("status")  # it reads less: it may not meet the damaged page
    assert "Unexpected error" not in looked.stderr and "Traceback" not in looked.stderr
    if looked.exit_code:
        assert_one_clear_line(looked, "damaged", str(synced))


def test_issue30_case_18_an_empty_tracker_is_refused_not_started_over(
    run_cli: Run, synced: Path, immich: ImmichDouble
) -> None:
    synced.write_bytes(b"")
    uploads, checks = immich.calls("uploadAsset"), immich.calls("checkBulkUpload")
    for command in ("sync", "status"):
        result = run_cli(command)
        assert_one_clear_line(result, "empty (0 bytes)", str(synced))
        assert "reclassify" not in result.stderr
    assert (immich.calls("uploadAsset"), immich.calls("checkBulkUpload")) == (uploads, checks)
    assert synced.stat().st_size == 0  # left as it was, for the user to look at


@pytest.fixture
def read_only(data_dir: Path) -> Iterator[Path]:
    """The data folder on a read-only mount (a bind mount: root, who runs the tests, writes
    anywhere a plain chmod forbids); skipped where this machine cannot mount."""
    made = subprocess.run(["mount", "--bind", str(data_dir), str(data_dir)], check=False)
    if made.returncode != 0:
        pytest.skip("cannot bind-mount here (needs root and mount)")
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(data_dir)], check=True)
        yield data_dir
    finally:  # lazily: a handle this process still holds must not keep the mount
        subprocess.run(["umount", "--lazy", str(data_dir)], check=True)


def test_issue30_case_17_a_read_only_data_folder_is_read_and_said(
    run_cli: Run, synced: Path, read_only: Path, tmp_path: Path
) -> None:
    for looking in (("status",), ("review",), ("doctor",), ("report", "--out", str(tmp_path))):
        result = run_cli(*looking)
        said = result.stdout + result.stderr
        assert "Traceback" not in said and "Unexpected error" not in said, looking
        assert "move it aside" not in said and "unreadable" not in said, looking
    assert run_json(run_cli, "status")["tracker"]
    for writing in ("sync", "reclassify"):
        result = run_cli(writing)
        assert_one_clear_line(result, "read-only", str(read_only))


def test_issue30_case_10_hidden_as_locked_stops_nothing_and_verify_knows_it(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    """An API key cannot touch an asset in Immich's locked folder (PUT answers 400): the
    asset goes there with its upload, nothing is sent to it after, the rest of the library
    gets all its metadata, and verify counts it as where it should be."""
    library = library_copy(TEST_26)
    _edit(library, "UPDATE ZASSET SET ZHIDDEN = 1 WHERE ZUUID = ?", PUMPKINS2)
    configure(library)
    started = time.monotonic()
    first = run_json(run_cli, "sync", "--hidden-as", "locked")
    assert first["ok"], first
    assert time.monotonic() - started < 30  # no wait for what Immich never shows the key
    locked = _server_asset(immich, data_dir, PUMPKINS2)
    assert locked.visibility == "locked"
    pumpkins = [a for a in immich.state.albums.values() if a.name == "Pumpkin Farm"]
    assert len(pumpkins) == 1 and len(pumpkins[0].assets) >= 2  # the others got theirs
    assert run_json(run_cli, "sync")["ok"]
    assert run_json(run_cli, "verify")["differences"] == []


def _faces_per_person(immich: ImmichDouble) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = {}
    for face in immich.state.faces.values():
        key = (face.asset_id, face.person_id)
        counts[key] = counts.get(key, 0) + 1
    return counts


def test_issue30_case_09_a_kill_during_the_faces_step_doubles_no_face(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configure(library_copy(TEST_26))
    real = ImmichClient.create_face
    made: list[str] = []

    def killed_after_two(self: ImmichClient, asset_id: str, *args: Any) -> None:
        if len(made) == 2:
            raise KeyboardInterrupt  # the kill, with faces placed and not yet recorded
        made.append(asset_id)
        real(self, asset_id, *args)

    monkeypatch.setattr(ImmichClient, "create_face", killed_after_two)
    assert run_cli("sync").exit_code == 130
    monkeypatch.setattr(ImmichClient, "create_face", real)
    assert run_json(run_cli, "sync")["ok"]
    counts = _faces_per_person(immich)
    assert len(counts) >= 3 and set(counts.values()) == {1}, counts
    assert run_json(run_cli, "sync")["metadata"]["faces"] == 0


def test_issue30_case_04_a_new_tracker_adopts_its_people_and_faces(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    """A lost tracker moved aside (as the error's hint once said), or a second data folder
    syncing the same library into the same user: the people photos-sync made are found
    again by their faces on its photos, not made a second time, and no face is doubled."""
    configure(library_copy(TEST_26))
    assert run_json(run_cli, "sync")["ok"]
    people = sorted(p.name for p in immich.state.people.values())
    faces = _faces_per_person(immich)
    assert people and faces
    for attempt in range(2):
        (data_dir / "tracker.db").rename(data_dir / f"tracker-lost-{attempt}.db")
        for leftover in data_dir.glob("tracker.db-*"):
            leftover.unlink()
        assert run_json(run_cli, "sync")["ok"]
        assert sorted(p.name for p in immich.state.people.values()) == people
        assert _faces_per_person(immich) == faces


def test_issue30_case_04_two_data_folders_at_once_keep_one_album_each(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two data folders syncing one library into one Immich user at the same moment: each
    looks for its albums, finds none, and makes them. Here the other run makes each album
    just after this one looked and just before it makes its own. The run that sees two
    albums with one mark keeps the one made first (both runs agree which), moves its
    photos there and deletes its own, so one album per Photos album is left."""
    owner = next(iter(immich.state.keys.values())).user
    create = ImmichClient.create_album

    def raced(self: ImmichClient, name: str, description: str, asset_ids: Any = ()) -> str:
        other = Album(str(uuid.uuid4()), owner, name, list(asset_ids)[:1], description)
        other.created_at = "2000-01-01T00:00:00.000Z"  # a moment before ours
        immich.state.albums[other.id] = other
        return create(self, name, description, asset_ids)

    monkeypatch.setattr(ImmichClient, "create_album", raced)
    configure(library_copy(TEST_26))
    sent = run_json(run_cli, "sync")["metadata"]
    assert sent["albums_created"] == 0 < sent["albums_found_again"]  # made by the other run
    marks: dict[str, list[Album]] = {}
    for album in immich.state.albums.values():
        mark = ALBUM_MARK.search(album.description)
        assert mark, album.name
        marks.setdefault(mark.group(1).upper(), []).append(album)
    assert marks and all(len(albums) == 1 for albums in marks.values()), marks
    kept = {uuid: albums[0] for uuid, albums in marks.items()}
    assert all(album.created_at.startswith("2000") for album in kept.values())  # the first
    ids = {uuid: row["immich_id"] for uuid, row in tracker_rows(data_dir).items()}
    with closing(sqlite3.connect(data_dir / "tracker.db")) as connection:
        recorded = dict(connection.execute("SELECT upper(photos_uuid), immich_id FROM album_map"))
        members = connection.execute("SELECT upper(album_uuid), asset_uuid FROM album_members")
        wanted: dict[str, set[str]] = {}
        for album_uuid, asset_uuid in members:
            wanted.setdefault(album_uuid, set()).add(ids[asset_uuid])
    assert recorded == {uuid: album.id for uuid, album in kept.items()}
    assert {uuid: set(album.assets) for uuid, album in kept.items() if album.assets} == wanted
    monkeypatch.setattr(ImmichClient, "create_album", create)
    assert run_json(run_cli, "verify")["differences"] == []


def test_issue30_case_13_a_change_photos_made_without_a_new_date_is_seen(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A keyword, a title and a place changed in Photos' database while its modification
    date stays put (nothing shows today's Photos moves it for each): the sync that checks
    the asset's digest sends them all the same, found by what the asset holds, not by when
    it changed. (A night checks a seventh of the library: here, all of it.)"""
    monkeypatch.setattr(scan, "DIGEST_SLICES", 1)
    library = library_copy(TEST_26)
    configure(library)
    assert run_json(run_cli, "sync")["ok"]
    add_keywords(library, PUMPKINS2, ("Harvest",))
    _edit(
        library,
        "UPDATE ZADDITIONALASSETATTRIBUTES SET ZTITLE = 'Renamed'"
        " WHERE ZASSET = (SELECT Z_PK FROM ZASSET WHERE ZUUID = ?)",
        PUMPKINS2,
    )
    _edit(
        library, "UPDATE ZASSET SET ZLATITUDE = 10.0, ZLONGITUDE = 20.0 WHERE ZUUID = ?", PUMPKINS2
    )
    assert run_json(run_cli, "sync")["ok"]
    asset = _server_asset(immich, data_dir, PUMPKINS2)
    assert "Harvest" in {immich.state.tags[tag].value for tag in asset.tags}
    assert asset.description.startswith("Renamed")
    assert (asset.latitude, asset.longitude) == (10.0, 20.0)
    again = run_json(run_cli, "reclassify")
    assert again["read"] == 0  # seen once, not read again every night


IMG_3092, ST_JAMES = "7783E8E6-9CAC-40F3-BE22-81FB7051C266", "DC99FBDD-7A52-4100-A5BB-344131646C30"


def _edited_of(immich: ImmichDouble, data_dir: Path, uuid: str) -> Asset:
    companions = json.loads(tracker_rows(data_dir)[uuid]["companions"] or "{}")
    return immich.state.assets[companions["edited"]]


def test_issue30_case_12_the_edited_copy_follows_its_original(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    """Deleted in Photos (with --deletions trash), IMG_3092 goes to Immich's trash with its
    edited copy; hidden later, St James Park is archived with its edited copy; both come
    back with their originals."""
    library = library_copy(TEST_26)
    configure(library)
    assert run_json(run_cli, "sync", "--with-edits", "--deletions", "trash")["ok"]
    _edit(library, "UPDATE ZASSET SET ZTRASHEDSTATE = 1 WHERE ZUUID = ?", IMG_3092)
    _edit(
        library,
        "UPDATE ZASSET SET ZHIDDEN = 1, ZMODIFICATIONDATE = ZMODIFICATIONDATE + 60 WHERE ZUUID = ?",
        ST_JAMES,
    )
    assert run_json(run_cli, "sync")["ok"]
    assert _server_asset(immich, data_dir, IMG_3092).trashed
    assert _edited_of(immich, data_dir, IMG_3092).trashed
    assert _server_asset(immich, data_dir, ST_JAMES).visibility == "archive"
    assert _edited_of(immich, data_dir, ST_JAMES).visibility == "archive"
    _edit(library, "UPDATE ZASSET SET ZTRASHEDSTATE = 0 WHERE ZUUID = ?", IMG_3092)
    assert run_json(run_cli, "sync")["ok"]
    assert not _edited_of(immich, data_dir, IMG_3092).trashed
    assert _edited_of(immich, data_dir, IMG_3092).visibility == "timeline"


def test_issue30_case_13_the_nightly_slices_cover_the_whole_library_in_a_week(
    shared_libraries: dict[str, Path],
) -> None:
    for name in (TEST_26, MEDIA_TYPES):
        catalog = PhotosLibrary(shared_libraries[name]).catalog
        whole = catalog.digests()
        slices = [catalog.digests((scan.DIGEST_SLICES, k)) for k in range(scan.DIGEST_SLICES)]
        assert sum(map(len, slices)) == len(whole) > 0
        assert {u: d for part in slices for u, d in part.items()} == whole
        assert catalog.digests(uuids=[PUMPKINS2]) == (
            {PUMPKINS2: whole[PUMPKINS2]} if PUMPKINS2 in whole else {}
        )


def test_issue30_case_06_an_album_photos_stored_decomposed_is_found_by_its_name(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
) -> None:
    """A title Photos keeps decomposed (a library that lived on HFS+) matches the same name
    typed composed: accepted, and its photos are the ones that go."""
    title = "2018-10 - Sponsion, Museum, Frühstück, Römermuseum"
    library = library_copy(TEST_26)
    _edit(
        library,
        "UPDATE ZGENERICALBUM SET ZTITLE = ? WHERE ZTITLE = ?",
        unicodedata.normalize("NFD", title),
        title,
    )
    configure(library)
    plan = run_json(run_cli, "import", "--dry-run", "--album", title)
    assert plan["upload"] >= 1


def test_issue30_case_14_an_asset_deleted_before_its_import_is_neither_pending_nor_forgotten(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
) -> None:
    """Tulips is in Photos' Recently Deleted before it was ever imported, with deletions
    followed: it is not imported, a run does not say "Forgot 1 deleted asset" every night
    (the next scan found it again), and `status` does not count it as waiting for an
    import; restored in Photos, it is imported."""
    library = library_copy(TEST_26)
    configure(library)
    _edit(library, "UPDATE ZASSET SET ZTRASHEDSTATE = 1 WHERE ZUUID = ?", TULIPS)
    first = run_cli("sync", "--deletions", "archive")
    assert first.exit_code == 0, first.stderr
    second = run_cli("sync")
    assert second.exit_code == 0, second.stderr
    assert "Forgot" not in second.stdout + second.stderr
    status = run_json(run_cli, "status")
    assert status["tracker"]["pending"] == 0, status["tracker"]
    assert not any(a.original_file_name == "Tulips.jpg" for a in immich.state.assets.values())
    _edit(library, "UPDATE ZASSET SET ZTRASHEDSTATE = 0 WHERE ZUUID = ?", TULIPS)
    assert run_json(run_cli, "sync")["ok"]
    assert any(a.original_file_name == "Tulips.jpg" for a in immich.state.assets.values())


def test_issue30_case_14_faces_on_an_edit_not_in_immich_are_told_not_lost_silently(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    data_dir: Path,
) -> None:
    """Photos places an edited photo's faces on its rendering, which only the edited copy
    in Immich matches: without --with-edits they cannot be placed. `status` says how many
    photos wait for that and how to upload their edits; done so, the faces are placed and
    the note goes."""
    library = library_copy(TEST_26)
    configure(library)
    assert run_json(run_cli, "sync")["ok"]
    rows = tracker_rows(data_dir)
    waiting = [
        u
        for u, r in rows.items()
        if r["status"] == "imported"
        and (desired := json.loads(r["photos_metadata"] or "{}")).get("faces_on") == "edited"
        and desired.get("faces")
    ]
    assert waiting  # the fixture has an edited photo with a named face
    status = run_json(run_cli, "status")
    assert status["faces_need_edits"] == sorted(waiting)
    shown = run_cli("status")
    assert f"{len(waiting)} edited photo" in shown.stdout and "--with-edits" in shown.stdout
    again = [arg for uuid in waiting for arg in ("--again", uuid)]
    assert run_json(run_cli, "import", "--with-edits", *again)["metadata"]["faces"] >= 1
    assert run_json(run_cli, "status")["faces_need_edits"] == []


def test_issue30_case_14_an_album_immich_cannot_make_stops_nothing_else(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Immich answers 500 to every try at making one album: the tries back off as every
    other request's do (they went five within 170 ms), the stacks and people of the run
    are made all the same, the run says it failed and why, and the next run makes the
    album."""
    from photos_sync.upload import metadata as sending

    waits: list[float] = []
    monkeypatch.setattr(sending, "back_off", waits.append)
    configure(library_copy(TEST_26))
    monkeypatch.setenv("IMMICH_RETRY_WAIT", "1.5")  # the tests' own is 0: no back-off
    immich.fail_next(5, status=500, operation="createAlbum")
    result = run_cli("sync", "--with-edits", "--json")
    assert result.exit_code != 0
    assert "album" in (result.stdout + result.stderr).lower()
    assert waits == [1.5, 3.0, 6.0, 12.0], waits
    assert immich.faults_left == 0
    assert immich.state.people and immich.state.stacks  # the rest of the run went on
    made = len(immich.state.albums)
    assert run_json(run_cli, "sync")["metadata"]["albums_created"] == 1
    marks = [ALBUM_MARK.search(a.description) for a in immich.state.albums.values()]
    assert len(immich.state.albums) == made + 1 == len({m.group(1) for m in marks if m})


def test_issue30_case_14_an_edited_live_photo_keeps_its_edited_motion(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    """IMG_4394 is an edited Live Photo: Photos keeps the edit's still and the edit's
    motion video. With --with-edits its edited copy in Immich is a Live Photo too: the
    edited video goes first, hidden, and the edited still is linked to it."""
    library = library_copy(MEDIA_TYPES)
    configure(library)
    assert run_json(run_cli, "import", "--with-edits")["failed"] == 0
    rows = tracker_rows(data_dir)
    uuid = next(u for u, r in rows.items() if r["filename"] == "IMG_4394.HEIC")
    edited = immich.state.assets[json.loads(rows[uuid]["companions"])["edited"]]
    assert edited.live_photo_video_id is not None
    video = immich.state.assets[edited.live_photo_video_id]
    resources = json.loads(rows[uuid]["resources"])
    motion = Path(next(r["path"] for r in resources if r["kind"] == "edited_paired_video"))
    assert video.checksum == hashlib.sha1(motion.read_bytes()).digest()
    assert video.visibility == "hidden" and video.type == "VIDEO"
    assert run_json(run_cli, "import", "--with-edits")["uploaded"] == 0


def test_issue30_case_23_albums_found_again_are_not_called_created(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    """The tracker lost its albums (an old snapshot, say): the next sync finds each album
    photos-sync made by its mark and reuses it, and says so, not "9 albums created"."""
    configure(library_copy(TEST_26))
    made = run_json(run_cli, "sync")["metadata"]["albums_created"]
    assert made > 1
    with closing(sqlite3.connect(data_dir / "tracker.db")) as tracker, tracker:
        tracker.execute("DELETE FROM album_map")
        tracker.execute("DELETE FROM album_members")
    shown = run_cli("sync")
    assert shown.exit_code == 0, shown.stderr
    assert f"{made} albums found again" in shown.stdout and "created" not in shown.stdout
    assert len(immich.state.albums) == made


def test_issue30_case_23_counts_of_one_are_singular() -> None:
    from rich.console import Console

    from photos_sync.cli.display import imports
    from photos_sync.plan.cleanup import CleanupPlan
    from photos_sync.plan.metadata import MetadataPlan, StackWork

    console = Console(record=True, width=200)
    plan = MetadataPlan(stacks=[StackWork("burst:1", [("a", "1"), ("b", "2")])])
    plan.favorites[True].append(("a", "1"))
    imports.metadata(plan, console)
    gone = scan_asset_stub()
    imports.cleanup(CleanupPlan(archive=[gone], forget=[gone], tracked=5), console, False)
    text = console.export_text()
    assert "1 favorite, 1 stack." in text
    assert "Marked 1 asset archived" in text
    assert "Forgot 1 deleted asset that was never imported." in text


def scan_asset_stub() -> Any:
    from photos_sync.track.assets import AssetStatus, TrackedAsset

    return TrackedAsset(
        "U",
        "a.jpg",
        "photo",
        AssetStatus.PENDING,
        False,
        False,
        None,
        None,
        None,
        None,
        None,
        "2020-01-01",
        (),
    )


def test_issue30_case_23_progress_says_sizes_and_seconds_not_raw_numbers() -> None:
    """A backup's progress read "212,768,555/1,140,261,755" and the wait for Immich's
    dump a unitless "10/600" for ten minutes."""
    from rich.console import Console

    from photos_sync.cli.progress import meter

    console = Console(record=True, width=200, force_terminal=False)
    with meter(console, "Backing up", 0, unit="bytes") as progress:
        progress.update(1_140_261_755, 1_140_261_755)
    with meter(console, "Immich is dumping its database", 0, unit="seconds") as progress:
        progress.update(600, 600)
    text = console.export_text()
    assert "Backing up: 1.1 GB of 1.1 GB" in text
    assert "dumping its database: 600 s (gives up after 600 s)" in text
    assert "1,140,261,755" not in text


def test_issue30_case_23_a_restored_tracker_snapshot_is_the_owners_alone(
    run_cli: Run, backup_env: Path, tmp_path: Path, data_dir: Path
) -> None:
    """The tracker and its snapshot are 0600 (they name every photo); rclone wrote the
    restored copy 0644."""
    setup_local(run_cli, backup_env)
    assert run_cli("backup", "--to", "disk").exit_code == 0
    restored = tmp_path / "restored"
    assert run_cli("restore", "--from", "disk", "--to", str(restored)).exit_code == 0
    snapshots = list(restored.rglob("tracker-snapshot.db"))
    assert snapshots
    for snapshot in snapshots:
        assert snapshot.stat().st_mode & 0o777 == 0o600, snapshot


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KB file system (a tmpfs), for a restore that runs out of space."""
    folder = tmp_path / "tiny"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_issue30_case_23_a_full_disk_on_restore_is_named(
    run_cli: Run, backup_env: Path, immich_data: Path, tiny_disk: Path
) -> None:
    """rclone's own last line ("Attempt 3/3 failed with 40 errors and: preallocate…") said
    nothing a user could act on."""
    (immich_data / "library" / "big.bin").write_bytes(os.urandom(256 * 1024))
    setup_local(run_cli, backup_env)
    assert run_cli("backup", "--to", "disk").exit_code == 0
    result = run_cli("restore", "--from", "disk", "--to", str(tiny_disk / "restored"))
    assert_one_clear_line(result, "full", str(tiny_disk / "restored"))
    assert "Attempt" not in result.stdout + result.stderr


def test_issue30_case_23_a_key_revoked_mid_run_is_a_failed_run(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
) -> None:
    """The run could not finish and the user must act (a new key): `status` shows it as
    failed, with why, not as "stopped" like a run the user stopped."""
    configure(shared_libraries[TEST_26])
    immich.fail_next(1, 401, operation="uploadAsset")
    assert run_cli("import").exit_code != 0
    last = run_json(run_cli, "status")["last_run"]
    assert last["outcome"] == "failed", last
    assert "API key" in json.dumps(last)


def test_issue30_case_23_the_debug_log_counts_only_what_the_server_had(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    data_dir: Path,
) -> None:
    """A first import: the server had none of the files, and the log must say 0, not the
    number of checksums it answered for."""
    configure(shared_libraries[TEST_26])
    assert run_cli("--debug", "import").exit_code == 0
    log = sorted((data_dir / "logs").glob("*.log"))[-1].read_text()
    checked = [line for line in log.splitlines() if "by checksum:" in line]
    assert checked and all(line.endswith(": 0 already on the server") for line in checked)


def test_issue30_case_23_a_reinstalled_server_is_named_as_such(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Same e-mail, another user id: the refusal read "filled for admin@example.com at URL,
    this is admin@example.com at URL", two identical-looking descriptions."""
    configure(shared_libraries[TEST_26])
    assert run_cli("import").exit_code == 0
    with ImmichDouble() as fresh:  # Immich reinstalled: its admin has the same e-mail
        monkeypatch.setenv("IMMICH_URL", fresh.url)
        monkeypatch.setenv("IMMICH_API_KEY", fresh.add_key(["all"]))
        refused = run_cli("sync")
    assert_one_clear_line(refused, "user id", "reinstalled", "--rebind")


def test_issue30_case_23_a_library_path_typed_composed_finds_the_decomposed_folder(
    run_cli: Run,
    tmp_path: Path,
    configure: Callable[[Path], None],
) -> None:
    """macOS writes names decomposed (NFD); a path typed or pasted composed (NFC) looks the
    same and was "not found"."""
    from tests.support.fixtures import copy_library

    folder = tmp_path / unicodedata.normalize("NFD", "Zoë's Mac")
    library = copy_library(TEST_26, folder)
    typed = Path(unicodedata.normalize("NFC", str(library)))
    assert typed != library and not typed.exists()
    configure(typed)
    result = run_cli("status")
    assert result.exit_code == 0, result.stderr


def test_issue30_case_23_backup_status_counts_the_backup_not_the_last_run(
    run_cli: Run, backup_env: Path
) -> None:
    """After a second backup with nothing new, `backup status` said "0 files / 0.0 MB":
    that run's transfer, read as the size of the backup."""
    setup_local(run_cli, backup_env)
    assert run_cli("backup", "--to", "disk").exit_code == 0
    assert run_cli("backup", "--to", "disk").exit_code == 0
    shown = run_cli("backup", "status", "--to", "disk").stdout
    library = next(line for line in shown.splitlines() if "library:" in line)
    assert "files in the backup" in library and "0 files in the backup" not in library
    assert "the last run sent 0 files" in library


def test_issue30_case_07_verify_sees_and_gives_back_a_date_immich_lost(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    """The tracker says Photos' date was sent, the server shows another moment (the file's
    date, read as UTC after a kill): `verify` said nothing. Now it names the asset, and
    `--fix` sends Photos' date again."""
    configure(library_copy(TEST_26))
    assert run_json(run_cli, "sync")["ok"]
    wedding = _server_asset(immich, data_dir, WEDDING)
    sent = json.loads(tracker_rows(data_dir)[WEDDING]["applied_metadata"])["date"]
    wedding.date_time_original = "2019-04-15T14:40:24+00:00"  # the file's wall time, as UTC
    report = run_json(run_cli, "verify", code=1)
    assert [(d["problem"], d["uuid"]) for d in report["differences"]] == [
        ("date in Immich is not the one Photos shows", WEDDING)
    ]
    assert run_json(run_cli, "verify", "--fix")["differences"] == []
    assert wedding.date_time_original == sent
    assert run_json(run_cli, "verify")["differences"] == []


def test_issue30_case_12_hidden_at_first_import_the_edit_is_stacked_and_archived(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    """St James Park is hidden in Photos before its first import: it and its edited copy go
    to Immich's archive, stacked as any other edit is."""
    library = library_copy(TEST_26)
    _edit(library, "UPDATE ZASSET SET ZHIDDEN = 1 WHERE ZUUID = ?", ST_JAMES)
    configure(library)
    assert run_json(run_cli, "sync", "--with-edits")["ok"]
    original = _server_asset(immich, data_dir, ST_JAMES)
    edited = _edited_of(immich, data_dir, ST_JAMES)
    assert original.visibility == edited.visibility == "archive"
    stack = next((s for s in immich.state.stacks.values() if original.id in s.assets), None)
    assert stack is not None and stack.primary == original.id and edited.id in stack.assets


def test_issue30_case_09_verify_counts_faces_and_people(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
) -> None:
    """A face placed twice for one person (a kill between placing and recording it), and a
    second person of the same name with a face on an imported photo (a lost tracker): both
    were invisible to `verify`. It names them; `--fix` takes the extra face off; the doubled
    person is left for the user to merge in Immich (both may be real people)."""
    from dataclasses import replace as copied

    from tests.support.immich_double.state import Person

    configure(library_copy(TEST_26))
    assert run_json(run_cli, "sync")["ok"]
    assert run_json(run_cli, "verify")["differences"] == []
    face = next(iter(immich.state.faces.values()))
    twin = copied(face, id="00000000-0000-4000-8000-000000000001")
    immich.state.faces[twin.id] = twin
    person = immich.state.people[face.person_id]
    other = Person("00000000-0000-4000-8000-000000000002", person.owner, person.name)
    immich.state.people[other.id] = other
    third = copied(face, id="00000000-0000-4000-8000-000000000003", person_id=other.id)
    immich.state.faces[third.id] = third
    report = run_json(run_cli, "verify", code=1)
    problems = sorted(d["problem"] for d in report["differences"])
    assert problems == [
        "face placed twice for one person",
        "person appears twice in Immich",
    ], report
    fixed = run_json(run_cli, "verify", "--fix", code=1)
    assert [d["problem"] for d in fixed["differences"]] == ["person appears twice in Immich"]
    assert twin.id not in immich.state.faces and face.id in immich.state.faces

"""What Photos knows beyond the files arrives in Immich, and only changes travel later."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import closing
from datetime import datetime
from pathlib import Path

import osxphotos
import pytest

from photos_sync.upload.metadata import METADATA_AT_ONCE
from photos_sync.workflow import metadata as workflow
from tests.conftest import CliResult, run_json
from tests.support.fixtures import (
    PhotosChange,
    add_keywords,
    change_in_photos,
    materialize,
    open_for_edit,
)
from tests.support.immich_double import ImmichDouble
from tests.support.immich_double.state import Asset
from tests.support.outcomes import import_json, tracker_rows

Run = Callable[..., CliResult]
WRITES = (
    "uploadAsset",
    "updateAsset",
    "updateAssets",
    "createAlbum",
    "updateAlbumInfo",
    "addAssetsToAlbum",
    "removeAssetFromAlbum",
    "upsertTags",
    "bulkTagAssets",
    "untagAssets",
    "createStack",
)


def writes(immich: ImmichDouble, since: int = 0) -> list[str]:
    return [s.operation for s in immich.requests[since:] if s.operation in WRITES]


def asset_named(immich: ImmichDouble, name: str) -> Asset:
    """The server's asset uploaded from the file of this name."""
    return next(a for a in immich.state.assets.values() if a.original_file_name == name)


WaitsOf = Callable[[float, float], None]


@pytest.fixture
def waits_of(monkeypatch: pytest.MonkeyPatch) -> WaitsOf:
    """Bound the waits on Immich to these seconds (without news, in all), looking often:
    a test of what a wait that ends early leaves for the next run need not take minutes."""

    def bound(idle: float, most: float) -> None:
        monkeypatch.setattr(workflow, "EXTRACTION_WAIT", (idle, most))
        monkeypatch.setattr(workflow, "EXTRACTION_POLL", 0.05)

    return bound


@pytest.fixture
def library_26(
    run_cli: Run, library_copy: Callable[[str], Path], configure: Callable[[Path], None]
) -> Path:
    library = library_copy("Test-26.1.photoslibrary")
    configure(library)
    import_json(run_cli)
    return library


def test_albums_favorites_descriptions_and_tags_match_photos(
    library_26: Path, immich: ImmichDouble, data_dir: Path
) -> None:
    assert_server_matches_photos(library_26, immich, data_dir)


def test_nothing_is_lost_to_immichs_sidecar_rewrites(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    """Immich rewrites an asset's XMP sidecar after its tags change and again after its
    description, date or place change, then reads the sidecar back; when the second
    rewrite starts before the first has ended, one of the changes is lost (real Immich
    3.1.0: the re-uploaded photo of a repair kept its keyword and lost its description and
    date). So an asset's fields go only once Immich has finished with its tags."""
    immich.state.sidecars.seconds = 0.3
    library = library_copy("Test-26.1.photoslibrary")
    configure(library)
    import_json(run_cli)
    immich.state.finish_rewrites()
    assert immich.state.sidecars.races == 0
    assert_server_matches_photos(library, immich, data_dir)


def assert_server_matches_photos(library: Path, immich: ImmichDouble, data_dir: Path) -> None:
    """Albums, favorites, descriptions and tags on the server are what Photos shows."""
    rows = tracker_rows(data_dir)
    imported = {u: r["immich_id"] for u, r in rows.items() if r["status"] == "imported"}
    photos = {p.uuid: p for p in osxphotos.PhotosDB(dbfile=str(library)).photos()}
    expected_albums: dict[str, set[str]] = {}
    for uuid, photo in photos.items():
        for album in photo.album_info:
            expected_albums.setdefault(album.uuid, set())
            if uuid in imported:
                expected_albums[album.uuid].add(imported[uuid])
    with closing(__import__("sqlite3").connect(data_dir / "tracker.db")) as tracker:
        album_map = dict(tracker.execute("SELECT photos_uuid, immich_id FROM album_map"))
    empty_albums = {
        "D4DC7467-1F13-46E8-86BC-540FB059463C"
    }  # "EmptyAlbum": osxphotos lists no photo
    assert set(album_map) == set(expected_albums) | empty_albums
    assert len(immich.state.albums) == len(album_map)  # each album exactly once
    for photos_uuid, immich_id in album_map.items():
        assert set(immich.state.albums[immich_id].assets) == expected_albums.get(photos_uuid, set())
    for uuid, immich_id in imported.items():
        asset, photo = immich.state.assets[immich_id], photos[uuid]
        assert asset.is_favorite == photo.favorite
        text = "\n\n".join(t for t in (photo.title, photo.description) if t)
        assert asset.description == text
        tags = {immich.state.tags[t].value for t in asset.tags}
        assert tags == set(photo.keywords)


def test_bursts_become_one_stack_with_photos_cover_on_top(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    library = library_copy("Test-Media-Types-15.7.2.photoslibrary")
    configure(library)
    import_json(run_cli)
    rows = tracker_rows(data_dir)
    frames = {u: r["immich_id"] for u, r in rows.items() if r["is_burst"]}
    assert len(frames) == 4
    assert len(immich.state.stacks) == 1
    stack = next(iter(immich.state.stacks.values()))
    assert set(stack.assets) == set(frames.values())
    assert stack.primary == frames["BB0F9F05-D186-4D43-9903-A4AD7A1BC8B0"]  # Photos' key photo


def _edit(library: Path, sql: str, *params: object) -> None:
    with closing(open_for_edit(library)) as connection, connection:
        connection.execute(sql, params)


def test_sync_sends_exactly_the_changes_made_in_photos(
    run_cli: Run, library_26: Path, immich: ImmichDouble, data_dir: Path
) -> None:
    quiet = len(immich.requests)
    assert run_json(run_cli, "sync")["metadata"] == {
        "favorites": 0,
        "updates": 0,
        "tags": 0,
        "tags_removed": 0,
        "albums_created": 0,
        "albums_found_again": 0,
        "albums_renamed": 0,
        "album_additions": 0,
        "album_removals": 0,
        "stacks": 0,
        "people_created": 0,
        "people_renamed": 0,
        "faces": 0,
        "faces_removed": 0,
        "deferred_to_next_run": 0,
    }
    assert writes(immich, quiet) == []  # nothing changed: not one write

    tulips = "6191423D-8DB8-4D4C-92BE-9BBBA308AAC4"
    _edit(
        library_26,
        "UPDATE ZASSET SET ZFAVORITE = 1, ZMODIFICATIONDATE = ZMODIFICATIONDATE + 60"
        " WHERE ZUUID = ?",
        tulips,
    )
    _edit(
        library_26,
        "INSERT INTO Z_33ASSETS (Z_33ALBUMS, Z_3ASSETS, Z_FOK_3ASSETS) SELECT"
        " (SELECT Z_PK FROM ZGENERICALBUM WHERE ZTITLE = 'Pumpkin Farm' AND ZKIND = 2),"
        " Z_PK, 4096 FROM ZASSET WHERE ZUUID = ?",
        tulips,
    )
    _edit(library_26, "UPDATE ZGENERICALBUM SET ZTITLE = 'Raw files' WHERE ZTITLE = 'Raw'")
    before = len(immich.requests)
    changed = run_json(run_cli, "sync")["metadata"]
    assert changed["favorites"] == 1 and changed["album_additions"] == 1
    assert changed["albums_renamed"] == 1
    assert sorted(writes(immich, before)) == ["addAssetsToAlbum", "updateAlbumInfo", "updateAssets"]
    tulips_id = tracker_rows(data_dir)[tulips]["immich_id"]
    assert immich.state.assets[tulips_id].is_favorite
    names = {album.name for album in immich.state.albums.values()}
    assert "Raw files" in names and "Raw" not in names
    farm = next(a for a in immich.state.albums.values() if a.name == "Pumpkin Farm")
    assert tulips_id in farm.assets

    again = len(immich.requests)
    run_json(run_cli, "sync")
    assert writes(immich, again) == []


def test_a_flag_set_and_cleared_in_photos_alone_is_sent_both_times(
    run_cli: Run, library_26: Path, immich: ImmichDouble, data_dir: Path
) -> None:
    """A favorite or a hidden photo changes no modification time, so the scan does not see
    it: the metadata plan must, although a settled asset is left to SQLite unread."""
    tulips, kid = "6191423D-8DB8-4D4C-92BE-9BBBA308AAC4", "D79B8D77-BFFC-460B-9312-034F2877D35B"
    rows = tracker_rows(data_dir)
    tulips_id, kid_id = rows[tulips]["immich_id"], rows[kid]["immich_id"]
    run_json(run_cli, "sync")  # every asset settled
    for flag in (1, 0):
        _edit(library_26, "UPDATE ZASSET SET ZFAVORITE = ? WHERE ZUUID = ?", flag, tulips)
        _edit(library_26, "UPDATE ZASSET SET ZHIDDEN = ? WHERE ZUUID = ?", flag, kid)
        changed = run_json(run_cli, "sync")["metadata"]
        assert (changed["favorites"], changed["updates"]) == (1, 1)
        assert immich.state.assets[tulips_id].is_favorite is bool(flag)
        assert immich.state.assets[kid_id].visibility == ("archive" if flag else "timeline")
    again = len(immich.requests)
    run_json(run_cli, "sync")
    assert writes(immich, again) == []


def test_what_is_taken_away_in_photos_is_taken_away_in_immich_and_only_that(
    run_cli: Run, library_26: Path, immich: ImmichDouble, data_dir: Path
) -> None:
    """A keyword removed and an album left in Photos follow in Immich; a tag or album member
    the user added in Immich themselves stays."""
    rows = tracker_rows(data_dir)
    tulips, kid = "6191423D-8DB8-4D4C-92BE-9BBBA308AAC4", "D79B8D77-BFFC-460B-9312-034F2877D35B"
    tulips_id, kid_id = rows[tulips]["immich_id"], rows[kid]["immich_id"]
    test_album = next(a for a in immich.state.albums.values() if a.name == "Test Album")
    mine = next(t for t in immich.state.tags.values() if t.value == "wedding")
    immich.state.assets[kid_id].tags.add(mine.id)  # the user's own, in Immich
    test_album.assets.append(tulips_id)  # the user's own, in Immich
    _edit(
        library_26,
        "DELETE FROM Z_1KEYWORDS WHERE Z_52KEYWORDS = (SELECT Z_PK FROM ZKEYWORD"
        " WHERE ZTITLE = 'flowers') AND Z_1ASSETATTRIBUTES = (SELECT aa.Z_PK FROM"
        " ZADDITIONALASSETATTRIBUTES aa JOIN ZASSET a ON a.Z_PK = aa.ZASSET WHERE a.ZUUID = ?)",
        tulips,
    )
    _edit(
        library_26,
        "UPDATE ZASSET SET ZMODIFICATIONDATE = ZMODIFICATIONDATE + 60 WHERE ZUUID = ?",
        tulips,
    )
    _edit(
        library_26,
        "DELETE FROM Z_33ASSETS WHERE Z_33ALBUMS = (SELECT Z_PK FROM ZGENERICALBUM WHERE"
        " ZTITLE = 'Test Album') AND Z_3ASSETS = (SELECT Z_PK FROM ZASSET WHERE ZUUID = ?)",
        kid,
    )

    before = len(immich.requests)
    changed = run_json(run_cli, "sync")["metadata"]
    assert changed["tags_removed"] == 1 and changed["album_removals"] == 1
    assert sorted(writes(immich, before)) == ["removeAssetFromAlbum", "untagAssets"]
    assert {immich.state.tags[t].value for t in immich.state.assets[tulips_id].tags} == {"wedding"}
    assert mine.id in immich.state.assets[kid_id].tags
    assert kid_id not in test_album.assets and tulips_id in test_album.assets

    again = len(immich.requests)
    run_json(run_cli, "sync")
    assert writes(immich, again) == []


def test_album_prefix(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
) -> None:
    configure(library_copy("Test-Shared-10.15.1.photoslibrary"))
    import_json(run_cli, "--album-prefix", "Photos: ")
    names = {a.name for a in immich.state.albums.values()}
    assert names == {"Photos: Photo Shoot", "Photos: osxphotos"}  # the second: iCloud shared


def test_status_shows_metadata_still_to_send(
    run_cli: Run, library_26: Path, immich: ImmichDouble
) -> None:
    assert run_json(run_cli, "status")["metadata_pending"] == {}
    _edit(
        library_26,
        "UPDATE ZGENERICALBUM SET ZTITLE = 'Pumpkins' WHERE ZTITLE = 'Pumpkin Farm' AND ZKIND = 2",
    )
    assert run_json(run_cli, "status")["metadata_pending"] == {"albums_renamed": 1}
    human = run_cli("status")
    assert "Metadata not yet in Immich: 1 albums renamed" in human.stdout


def test_photos_own_date_location_people_and_hidden_reach_immich(
    run_cli: Run, library_26: Path, immich: ImmichDouble, data_dir: Path
) -> None:
    pumpkins1 = "F12384F6-CD17-4151-ACBA-AE0E3688539E"
    # In Photos: "Adjust Date & Time" by a day, a location added, and the photo hidden.
    _edit(
        library_26,
        "UPDATE ZASSET SET ZDATECREATED = ZDATECREATED + 86400, ZLATITUDE = 48.85,"
        " ZLONGITUDE = 2.35, ZHIDDEN = 1, ZMODIFICATIONDATE = ZMODIFICATIONDATE + 60"
        " WHERE ZUUID = ?",
        pumpkins1,
    )
    before = len(immich.requests)
    changed = run_json(run_cli, "sync", "--people-tags")["metadata"]
    assert changed["updates"] >= 1
    asset = immich.state.assets[tracker_rows(data_dir)[pumpkins1]["immich_id"]]
    assert asset.date_time_original is not None
    assert asset.date_time_original.startswith("2018-09-29T15:35:49")
    assert (asset.latitude, asset.longitude) == (48.85, 2.35)
    assert asset.visibility == "archive"
    people = {immich.state.tags[t].value for t in asset.tags if t in immich.state.tags}
    assert {"people/Katie", "people/Suzy"} <= people
    assert "updateAsset" in writes(immich, before)
    again = len(immich.requests)
    run_json(run_cli, "sync", "--people-tags")
    assert writes(immich, again) == []


def test_each_assets_own_fields_go_a_few_at_a_time(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
) -> None:
    """The dates, places and descriptions changed in Photos after the upload are one
    request each (Immich has no bulk form for them): on a night of 100k changes one after
    another is hours of round trips, so a few go at once, never more than the bound. (A
    new upload's own fields ride in its sidecar: no request at all; its faces go as it
    returns, within the uploads' own bound.)"""
    library = library_copy("Test-26.1.photoslibrary")
    configure(library)
    immich.latency = 0.05  # each answer takes a while: requests sent at once overlap
    summary = import_json(run_cli)
    assert summary["metadata"]["updates"] == 0
    assert immich.most_at_once["uploadAsset"] <= 4  # the imports' own bound, unchanged
    assert 0 < immich.most_at_once["createFace"] <= 4
    _edit(
        library,
        "UPDATE ZADDITIONALASSETATTRIBUTES SET ZTITLE = 'renamed ' || Z_PK",
    )
    _edit(library, "UPDATE ZASSET SET ZMODIFICATIONDATE = ZMODIFICATIONDATE + 60")
    changed = run_json(run_cli, "sync")["metadata"]
    assert changed["updates"] >= 2 * METADATA_AT_ONCE
    assert immich.most_at_once["updateAsset"] == METADATA_AT_ONCE


def test_edits_and_raw_pairs_are_stacked_with_their_original(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    library = library_copy("Test-26.1.photoslibrary")
    raw_of = "A92D9C26-3A50-4197-9388-CB5F7DB9FA91"  # IMG_1994.JPG; its .cr2 is not in the fixture
    folder = materialize(library, "originals/A")
    (folder / f"{raw_of}_4.cr2").write_bytes(b"II*\x00 a RAW file stand-in")
    configure(library)
    import_json(run_cli, "--with-edits")
    rows = tracker_rows(data_dir)
    pair = json.loads(rows[raw_of]["companions"])
    stack = next(s for s in immich.state.stacks.values() if s.primary == rows[raw_of]["immich_id"])
    assert stack.assets == [rows[raw_of]["immich_id"], pair["raw"]]  # the JPEG on top
    assert immich.state.assets[pair["raw"]].original_file_name == "IMG_1994.CR2"
    edited = [u for u, r in rows.items() if r["companions"] and "edited" in r["companions"]]
    assert len(edited) == 4  # wedding, Tulips, St James Park, IMG_3092 have renderings
    for uuid in edited:
        ids = json.loads(rows[uuid]["companions"])
        stack = next(s for s in immich.state.stacks.values() if ids["edited"] in s.assets)
        assert stack.primary == rows[uuid]["immich_id"]  # the original on top
    again = len(immich.requests)
    run_json(run_cli, "sync", "--with-edits")
    assert writes(immich, again) == []


def test_a_new_upload_carries_its_metadata_while_immich_is_still_reading_it(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
) -> None:
    """Issue 29: what Photos says of a new upload (keywords, description, date, place) goes
    in its XMP sidecar, which Immich reads in the same extraction as the file. A server that
    has not finished reading the photo changes nothing: no wait, nothing deferred, and no
    request after the upload for any of it."""
    configure(library_copy("Test-26.1.photoslibrary"))
    immich.state.still_reading = {"St James Park.jpg"}
    first = run_json(run_cli, "sync")
    assert first["metadata"]["deferred_to_next_run"] == 0
    assert first["metadata"]["updates"] == first["metadata"]["tags"] == 0
    park = asset_named(immich, "St James Park.jpg")
    assert len(park.tags) == 6 and park.description and park.date_time_original
    sent = writes(immich)
    assert not {"updateAsset", "bulkTagAssets", "upsertTags"} & set(sent), sent
    assert not any(run_json(run_cli, "sync")["metadata"].values())


def test_fields_immich_is_still_rewriting_tags_for_are_sent_by_the_next_run(
    run_cli: Run,
    library_26: Path,
    immich: ImmichDouble,
    waits_of: WaitsOf,
) -> None:
    """A keyword and a title added in Photos to a photo already in Immich: the tag goes
    first, and while Immich's sidecar rewrite for it has not ended when the wait does, the
    description waits (not recorded as sent); the next sync sends it, once."""
    waits_of(0.2, 0.5)
    park_uuid = "DC99FBDD-7A52-4100-A5BB-344131646C30"
    change_in_photos(library_26, park_uuid, PhotosChange(title="Park", keyword="Autumn"))
    immich.state.sidecars.seconds = 3600.0  # a queue hours long
    first = run_json(run_cli, "sync")["metadata"]
    assert first["tags"] == 1 and first["deferred_to_next_run"] == 1
    assert immich.state.sidecars.races == 0
    park = asset_named(immich, "St James Park.jpg")
    assert not park.description.startswith("Park")
    with immich.state.lock:  # the queue has caught up
        immich.state.sidecars.seconds = 0.0
        immich.state.sidecars.running.clear()
    second = run_json(run_cli, "sync")["metadata"]
    assert second["updates"] == 1 and second["deferred_to_next_run"] == 0
    assert park.description.startswith("Park") and len(park.tags) == 7
    assert not any(run_json(run_cli, "sync")["metadata"].values())


def test_a_photo_whose_file_had_its_keywords_gets_its_fields_at_once(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    waits_of: WaitsOf,
) -> None:
    """St James Park.jpg embeds its six keywords, which Immich reads as tags at upload
    (real Immich 3.1.0): photos-sync's tag request adds nothing, Immich rewrites no sidecar,
    so there is nothing to wait for; waiting anyway stalled the run and left the photo's
    description and date for the next night."""
    waits_of(2.0, 4.0)
    immich.state.sidecars.seconds = 0.3
    immich.state.file_keywords = {
        "St James Park.jpg": [
            "England",
            "London",
            "London 2018",
            "St. James's Park",
            "UK",
            "United Kingdom",
        ]
    }
    configure(library_copy("Test-26.1.photoslibrary"))
    first = run_json(run_cli, "sync")["metadata"]
    immich.state.finish_rewrites()
    assert first["deferred_to_next_run"] == 0 and immich.state.sidecars.races == 0
    park = asset_named(immich, "St James Park.jpg")
    assert len(park.tags) == 6 and park.description and park.date_time_original


def test_photos_date_wins_over_what_immich_reads_from_the_file(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    """What a real Immich 3.1.0 read from two of the fixture's files: IMG_4547.jpg's moment
    at the wall time Photos shows, wedding.jpg's three hours off (its zone was changed in
    Photos). The sidecar's date replaces the file's in Immich's one extraction: both show
    Photos' moment, and neither is sent again."""
    immich.state.file_dates = {
        "IMG_4547.jpg": ("2017-06-20T07:48:56.518+00:00", "2017-06-20T17:18:56.518Z"),
        "wedding.jpg": ("2019-04-15T21:40:24.86+00:00", "2019-04-15T14:40:24.860Z"),
    }
    configure(library_copy("Test-26.1.photoslibrary"))
    run_json(run_cli, "sync")
    adelaide, wedding = asset_named(immich, "IMG_4547.jpg"), asset_named(immich, "wedding.jpg")
    assert wedding.date_time_original == "2019-04-15T14:40:24.086000-04:00"  # Photos' own
    rows = tracker_rows(data_dir)
    applied = json.loads(rows["3DD2C897-F19E-4CA6-8C22-B027D5A71907"]["applied_metadata"])
    assert applied["date"] == "2017-06-20T17:18:56.518000+09:30"
    assert adelaide.date_time_original is not None
    shown = datetime.fromisoformat(adelaide.date_time_original)
    assert shown == datetime.fromisoformat(applied["date"])  # the same moment
    again = len(immich.requests)
    run_json(run_cli, "sync")
    assert writes(immich, again) == []


SIDECAR_REWRITES = ("updateAsset", "updateAssets")  # each queues Immich's SidecarWrite job


def test_tags_go_before_anything_that_rewrites_the_sidecar(
    run_cli: Run, library_26: Path, immich: ImmichDouble
) -> None:
    """Immich rewrites an asset's XMP sidecar after a tag or a field change, up to five jobs
    at once; a rewrite begun before the tag existed finishes after it and leaves a sidecar
    without it, which Immich then reads back as the asset's tags (real Immich 3.1.0: 3 to 11
    of 60 photos lost their tag when descriptions went first, none when tags did). So of
    what changed in Photos after the upload, every tag is sent before any description."""
    uuids = ["D79B8D77-BFFC-460B-9312-034F2877D35B", "6191423D-8DB8-4D4C-92BE-9BBBA308AAC4"]
    for uuid in uuids:
        add_keywords(library_26, uuid, (f"kw-{uuid[:4]}",))
    _edit(library_26, "UPDATE ZADDITIONALASSETATTRIBUTES SET ZTITLE = 'renamed ' || Z_PK")
    _edit(library_26, "UPDATE ZASSET SET ZMODIFICATIONDATE = ZMODIFICATIONDATE + 60")
    before = len(immich.requests)
    run_json(run_cli, "sync")
    sent = writes(immich, before)
    assert "bulkTagAssets" in sent
    assert any(operation in SIDECAR_REWRITES for operation in sent)
    last_tagging = max(i for i, operation in enumerate(sent) if operation == "bulkTagAssets")
    first_rewrite = min(i for i, operation in enumerate(sent) if operation in SIDECAR_REWRITES)
    assert last_tagging < first_rewrite, sent


def test_no_asset_has_two_sidecar_rewrites_in_flight(
    run_cli: Run, library_26: Path, immich: ImmichDouble, waits_of: WaitsOf
) -> None:
    """Issue 29 (3): Tulips gets a keyword, a new title and the favorite in one night in
    Photos. Each of the three starts a sidecar rewrite in Immich (a favorite too: a bulk
    update rewrites every asset it names), and a rewrite begun while the last one of the
    same asset is running can undo it; so each waits until Immich has read the one before
    back. All three arrive, and no two rewrites of the asset were ever in flight at once."""
    waits_of(10.0, 20.0)
    tulips = "6191423D-8DB8-4D4C-92BE-9BBBA308AAC4"
    change_in_photos(library_26, tulips, PhotosChange("Tulpen", "Spring", favorite=True))
    immich.state.sidecars.seconds = 0.3
    changed = run_json(run_cli, "sync")["metadata"]
    immich.state.finish_rewrites()
    assert changed["deferred_to_next_run"] == 0
    assert immich.state.sidecars.races == 0
    asset = asset_named(immich, "Tulips.jpg")
    assert asset.is_favorite and asset.description.startswith("Tulpen")
    assert "Spring" in {immich.state.tags[t].value for t in asset.tags}


def test_favorites_go_after_the_fields(
    run_cli: Run, library_26: Path, immich: ImmichDouble
) -> None:
    """A favorite also starts a sidecar rewrite, and one begun before an asset's new fields
    were there queues a read-back of the old sidecar that can land after theirs (real Immich
    3.1.0, bench/sidecar_race.py: 1 of 60 photos lost its description and date)."""
    tulips = "6191423D-8DB8-4D4C-92BE-9BBBA308AAC4"
    _edit(
        library_26,
        "UPDATE ZASSET SET ZFAVORITE = 1, ZMODIFICATIONDATE = ZMODIFICATIONDATE + 60"
        " WHERE ZUUID = ?",
        tulips,
    )
    _edit(
        library_26,
        "UPDATE ZADDITIONALASSETATTRIBUTES SET ZTITLE = 'Tulpen'"
        " WHERE ZASSET = (SELECT Z_PK FROM ZASSET WHERE ZUUID = ?)",
        tulips,
    )
    before = len(immich.requests)
    run_json(run_cli, "sync")
    assert writes(immich, before) == ["updateAsset", "updateAssets"]

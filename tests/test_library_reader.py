"""The library reader against the fixture libraries, asset by asset, as their README says."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from contextlib import closing
from datetime import datetime
from pathlib import Path

import osxphotos
import pytest

from photos_sync.source import catalog
from photos_sync.source.direct import DirectReader
from photos_sync.source.library import PhotosLibrary, original_adjustments
from photos_sync.source.records import Availability, LibraryAsset, ResourceKind
from tests.support.fixtures import LIBRARY_NAMES, ExpectedAsset, expected_assets

# README flag words -> our subtype field (the README uses osxphotos' attribute names).
FLAG_WORDS = {
    "live_photo": "is_live_photo",
    "hdr": "is_hdr",
    "panorama": "is_panorama",
    "screenshot": "is_screenshot",
    "selfie": "is_selfie",
    "slow_mo": "is_slomo",
    "time_lapse": "is_timelapse",
    "burst": "is_burst",
    "has_raw": "has_raw_pair",
}
OTHER_WORDS = {"hasadjustments": "is_edited", "favorite": "is_favorite", "hidden": "is_hidden"}


def expected_subtypes(row: ExpectedAsset) -> set[str]:
    names = {FLAG_WORDS[word] for word in row.flags if word in FLAG_WORDS}
    names |= {field for word, field in OTHER_WORDS.items() if row.other_has(word)}
    video = row.media_type == "video"
    if "psi:Cinematic" in row.flags:
        names.add("is_cinematic")
    elif "portrait" in row.flags and not video:
        names.add("is_portrait")
    if "spatial=1" in row.flags:
        names.add("is_spatial_video" if video else "is_spatial_photo")
    if row.uti == "com.adobe.raw-image":
        names.add("is_proraw")
    if "live .mov" in row.original_file:
        names.add("has_paired_video")  # the README lists the paired video resource
    return names


def expected_original(row: ExpectedAsset) -> Availability:
    if row.original_file.startswith("yes"):
        return Availability.LOCAL
    if row.original_file.startswith("no") and row.other_has("iscloudasset"):
        return Availability.CLOUD
    return Availability.MISSING  # "absent", or a referenced file that is not there


def expected_local_files(row: ExpectedAsset) -> dict[ResourceKind, str]:
    files = {}
    for prefix, kind in (
        ("edited", ResourceKind.EDITED),
        ("edited live", ResourceKind.EDITED_PAIRED_VIDEO),
        ("orig AAE", ResourceKind.AAE),
    ):
        value = row.other_value(prefix)
        if value:
            files[kind] = value
    return files


@pytest.fixture(scope="module")
def read_libraries(shared_libraries: dict[str, Path]) -> dict[str, dict[str, LibraryAsset]]:
    found = {}
    for name, path in shared_libraries.items():
        library = PhotosLibrary(path)
        found[name] = {asset.uuid: asset for asset in library.read(library.entries())}
    return found


@pytest.mark.parametrize("name", LIBRARY_NAMES)
def test_reader_lists_every_asset_in_the_database(
    name: str, read_libraries: dict[str, dict[str, LibraryAsset]]
) -> None:
    assert set(read_libraries[name]) == set(expected_assets(name))


@pytest.mark.parametrize("name", LIBRARY_NAMES)
def test_each_asset_has_the_subtypes_the_readme_lists(
    name: str, read_libraries: dict[str, dict[str, LibraryAsset]]
) -> None:
    mismatches = {}
    for uuid, row in expected_assets(name).items():
        asset = read_libraries[name][uuid]
        if asset.subtypes.set_names() != expected_subtypes(row):
            mismatches[row.original_filename] = (asset.subtypes.set_names(), expected_subtypes(row))
    assert mismatches == {}


@pytest.mark.parametrize("name", LIBRARY_NAMES)
def test_each_asset_has_its_basic_facts(
    name: str, read_libraries: dict[str, dict[str, LibraryAsset]]
) -> None:
    for uuid, row in expected_assets(name).items():
        asset = read_libraries[name][uuid]
        assert asset.filename == row.original_filename
        assert asset.media_type.value == row.media_type
        assert asset.uti == row.uti
        assert asset.in_trash == row.other_has("intrash")
        assert asset.in_cloud_library == row.other_has("iscloudasset")
        assert asset.created_at.tzinfo is not None


@pytest.mark.parametrize("name", LIBRARY_NAMES)
def test_each_resource_is_where_the_readme_says(
    name: str, read_libraries: dict[str, dict[str, LibraryAsset]], shared_libraries: dict[str, Path]
) -> None:
    root = shared_libraries[name]
    for uuid, row in expected_assets(name).items():
        asset = read_libraries[name][uuid]
        assert asset.original.availability is expected_original(row), row.original_filename
        if asset.original.availability is Availability.LOCAL:
            assert asset.original.path is not None and asset.original.path.is_file()
        local_files = {
            r.kind: str(r.path.relative_to(root))
            for r in asset.resources
            if r.availability is Availability.LOCAL
            and r.path is not None
            and r.kind is not ResourceKind.ORIGINAL
            and r.kind is not ResourceKind.PAIRED_VIDEO
        }
        assert local_files == expected_local_files(row), row.original_filename
        live = asset.resource(ResourceKind.PAIRED_VIDEO)
        if "live .mov yes" in row.original_file:
            assert live is not None and live.availability is Availability.LOCAL
        elif "live .mov absent" in row.original_file:
            assert live is not None and live.availability is Availability.MISSING
        else:
            assert live is None
        raw = asset.resource(ResourceKind.RAW)
        if "RAW absent" in row.original_file:
            assert raw is not None and raw.availability is Availability.MISSING
        else:
            assert raw is None


def test_burst_frames_share_one_burst_id(
    read_libraries: dict[str, dict[str, LibraryAsset]],
) -> None:
    assets = read_libraries["Test-Media-Types-15.7.2.photoslibrary"].values()
    bursts = {a.burst_id for a in assets if a.subtypes.is_burst}
    assert len(bursts) == 1 and None not in bursts
    assert sum(1 for a in assets if a.subtypes.is_burst) == 4


def test_metadata_is_read_for_later_mapping(
    read_libraries: dict[str, dict[str, LibraryAsset]],
) -> None:
    wedding = read_libraries["Test-26.1.photoslibrary"]["E9BC5C36-7CD1-40A1-A72B-8B8FAC227D51"]
    assert {album.title for album in wedding.albums} == {"AlbumInFolder", "I have a deleted twin"}
    assert wedding.keywords and wedding.description


def test_model_ranges_mirror_osxphotos() -> None:
    """The catalog's copy of osxphotos' known Photos versions has not drifted."""
    from osxphotos import _constants

    from photos_sync.source.catalog import MODEL_RANGES

    theirs = sorted(
        tuple(value)
        for name, value in vars(_constants).items()
        if name.startswith("_PHOTOS_")
        and name.endswith("_MODEL_VERSION")
        and isinstance(value, list)
    )
    assert sorted(r for r, _ in MODEL_RANGES) == theirs


@pytest.mark.parametrize("name", LIBRARY_NAMES)
def test_original_adjustments_are_found_where_osxphotos_finds_them(
    name: str, shared_libraries: dict[str, Path]
) -> None:
    """One listing of the originals folders stands in for osxphotos' look per asset: the
    same file for every asset, in the trash too."""
    path = shared_libraries[name]
    db = osxphotos.PhotosDB(dbfile=str(path))
    theirs = {
        photo.uuid: Path(photo.original_adjustments_path)
        for photo in db.photos(intrash=False) + db.photos(intrash=True)
        if photo.original_adjustments_path is not None
    }
    assert original_adjustments(path / "originals") == theirs


@pytest.mark.parametrize("name", LIBRARY_NAMES)
@pytest.mark.parametrize("few", [True, False], ids=["a few, by UUID", "all, in bulk"])
def test_the_direct_reader_says_what_osxphotos_says_of_every_asset(
    name: str,
    few: bool,
    read_libraries: dict[str, dict[str, LibraryAsset]],
    shared_libraries: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """osxphotos is the reference for every fact: a record made from the direct reader's
    facts equals the one made from osxphotos' ``PhotoInfo``, field by field, whether the
    assets are looked up by UUID (a few) or read with the whole library (a first read)."""
    library = PhotosLibrary(shared_libraries[name])
    theirs = {asset.uuid: asset for asset in library.read(library.entries(), direct=False)}
    ours = read_libraries[name]
    if not few:
        monkeypatch.setattr(DirectReader, "FEW", 0)
        ours = {asset.uuid: asset for asset in library.read(library.entries())}
    assert differences(ours, theirs) == {}


def differences(
    ours: dict[str, LibraryAsset], theirs: dict[str, LibraryAsset]
) -> dict[tuple[str, str], tuple[object, object]]:
    assert set(ours) == set(theirs)
    return {
        (uuid, field): (shown(ours[uuid], field), shown(theirs[uuid], field))
        for uuid in ours
        for field in LibraryAsset.__dataclass_fields__
        if shown(ours[uuid], field) != shown(theirs[uuid], field)
    }


def shown(asset: LibraryAsset, field: str) -> object:
    """A field as the tracker and Immich get it: a date with its offset, not only its
    moment (two dates at different offsets are equal to Python)."""
    value = getattr(asset, field)
    return value.isoformat() if isinstance(value, datetime) else value


HDR, SHARED_LIBRARY, SHARED_AND_SAVED, SHARED_NOT_SAVED = (
    "D07B18F1-9D95-4DC8-8F7C-A6AEB77F1534",
    "79D1A1A5-B1EA-41D1-83B1-C71F001E6D49",
    "D87BFE7E-A479-4ECD-98E8-1A8D06EF607E",
    "5F9BCC2D-D1DF-46D8-8F70-C142B25D3DC3",
)


def test_facts_no_fixture_shows_are_read_as_osxphotos_reads_them(
    library_copy: Callable[[str], Path],
) -> None:
    """No fixture asset is HDR, in a Shared Library or "Shared with You"; set on a copy,
    both readers still agree (the unsaved shared one is left to osxphotos)."""
    path = library_copy("Test-Media-Types-15.7.2.photoslibrary")
    extra = "UPDATE ZADDITIONALASSETATTRIBUTES SET ZSYNDICATIONIDENTIFIER = 'message', "
    owner = " WHERE ZASSET = (SELECT Z_PK FROM ZASSET WHERE ZUUID = ?)"
    with closing(sqlite3.connect(path / "database" / "Photos.sqlite")) as database, database:
        database.execute("UPDATE ZASSET SET ZHDRTYPE = 3 WHERE ZUUID = ?", (HDR,))
        database.execute(
            "UPDATE ZASSET SET ZACTIVELIBRARYSCOPEPARTICIPATIONSTATE = 1 WHERE ZUUID = ?",
            (SHARED_LIBRARY,),
        )
        database.execute(extra + "ZSYNDICATIONHISTORY = 1" + owner, (SHARED_AND_SAVED,))
        database.execute(extra + "ZSYNDICATIONHISTORY = 0" + owner, (SHARED_NOT_SAVED,))
    library = PhotosLibrary(path)
    ours = {asset.uuid: asset for asset in library.read(library.entries())}
    theirs = {asset.uuid: asset for asset in library.read(library.entries(), direct=False)}
    assert differences(ours, theirs) == {}
    assert ours[HDR].subtypes.is_hdr and ours[SHARED_LIBRARY].subtypes.is_shared_library
    assert ours[SHARED_NOT_SAVED].subtypes.is_syndicated
    assert not ours[SHARED_AND_SAVED].subtypes.is_syndicated


@pytest.mark.parametrize("name", LIBRARY_NAMES)
def test_osxphotos_is_loaded_only_for_assets_in_icloud_shared_albums(
    name: str, shared_libraries: dict[str, Path]
) -> None:
    """The direct reader declines only what it does not cover (files outside originals/);
    in these libraries that is the iCloud shared albums' assets, and osxphotos is not
    loaded at all for a library without them."""
    library = PhotosLibrary(shared_libraries[name])
    entries = library.entries()
    facts = DirectReader(library.catalog).read((e.uuid for e in entries), library.albums())
    shared = {uuid for uuid, row in expected_assets(name).items() if row.other_has("shared")}
    assert {e.uuid for e in entries} - set(facts) == shared
    assert len(list(library.read(entries))) == len(entries)
    assert (library._db is not None) == bool(shared)


def test_a_query_the_direct_reader_cannot_run_costs_speed_not_records(
    shared_libraries: dict[str, Path],
    read_libraries: dict[str, dict[str, LibraryAsset]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A Photos release that renames a table the direct reader uses: osxphotos reads every
    asset instead, and the records are the same."""

    def renamed(*args: object) -> None:
        raise sqlite3.OperationalError("no such table: ZKEYWORD")

    monkeypatch.setattr(DirectReader, "_add_keywords", renamed)
    name = "Test-26.1.photoslibrary"
    library = PhotosLibrary(shared_libraries[name])
    ours = {asset.uuid: asset for asset in library.read(library.entries())}
    assert library._db is not None
    assert differences(ours, read_libraries[name]) == {}


@pytest.mark.parametrize("few", [True, False], ids=["a few, by UUID", "all, in bulk"])
def test_an_asset_whose_resources_disagree_is_decided_as_osxphotos_decides(
    few: bool, library_copy: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two resource rows of one original, one on this Mac and one not: the newest row
    decides, as in osxphotos, whether the asset is looked up by UUID or read in bulk."""
    on_disk = SHARED_LIBRARY  # its original is in the fixture, its row says "on this Mac"
    path = library_copy("Test-Media-Types-15.7.2.photoslibrary")
    with closing(sqlite3.connect(path / "database" / "Photos.sqlite")) as database, database:
        columns = [row[1] for row in database.execute("PRAGMA table_info(ZINTERNALRESOURCE)")]
        changed = {"Z_PK": "NULL", "ZLOCALAVAILABILITY": "-1", "ZRECIPEID": "424242"}
        database.execute(
            f"INSERT INTO ZINTERNALRESOURCE ({', '.join(columns)})"
            f" SELECT {', '.join(changed.get(c, c) for c in columns)} FROM ZINTERNALRESOURCE"
            " WHERE ZDATASTORESUBTYPE = 1"
            " AND ZASSET = (SELECT Z_PK FROM ZASSET WHERE ZUUID = ?)",
            (on_disk,),
        )
    if not few:
        monkeypatch.setattr(DirectReader, "FEW", 0)
    library = PhotosLibrary(path)
    ours = {asset.uuid: asset for asset in library.read(library.entries())}
    theirs = {asset.uuid: asset for asset in library.read(library.entries(), direct=False)}
    assert differences(ours, theirs) == {}
    assert ours[on_disk].resources[0].availability is Availability.MISSING


def test_text_that_is_not_utf8_is_read_with_replacement_by_the_direct_reader(
    library_copy: Callable[[str], Path],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A damaged title or keyword (bytes that are not UTF-8) costs its bad bytes, one
    warning, and nothing else: the direct reader still answers (osxphotos is not loaded),
    and both readers agree on every asset."""
    path = library_copy("Test-26.1.photoslibrary")
    london = "DC99FBDD-7A52-4100-A5BB-344131646C30"
    with closing(sqlite3.connect(path / "database" / "Photos.sqlite")) as database, database:
        database.execute(
            "UPDATE ZADDITIONALASSETATTRIBUTES SET ZTITLE = CAST(X'53756E20FF' AS TEXT)"
            " WHERE ZASSET = (SELECT Z_PK FROM ZASSET WHERE ZUUID = ?)",
            (london,),
        )
        database.execute(
            "UPDATE ZKEYWORD SET ZTITLE = CAST(X'4C6F6E646F6EFE' AS TEXT) WHERE ZTITLE = 'London'"
        )
    monkeypatch.setattr(catalog, "_bad_text_seen", threading.Event())  # warns once a process
    library = PhotosLibrary(path)
    ours = {asset.uuid: asset for asset in library.read(library.entries())}
    assert library._db is None
    assert ours[london].title == "Sun \ufffd"
    assert "London\ufffd" in ours[london].keywords
    theirs = {asset.uuid: asset for asset in library.read(library.entries(), direct=False)}
    assert differences(ours, theirs) == {}
    warned = [r for r in caplog.records if "not valid UTF-8" in r.message]
    assert len(warned) == 1

"""Choosing what goes (issue 15, part 2): albums, dates, media, favorites, kinds; remembered
for the nightly sync, shown by status, never counted as failed; ignore and import --again."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import osxphotos
import pytest

from tests.conftest import CliResult, run_json
from tests.support.immich_double import ImmichDouble
from tests.support.outcomes import tracker_rows

Run = Callable[..., CliResult]
TEST_26 = "Test-26.1.photoslibrary"
MEDIA_TYPES = "Test-Media-Types-15.7.2.photoslibrary"


class _Photos:
    """osxphotos' reading of a library, by UUID (burst frames included)."""

    def __init__(self, library: Path) -> None:
        self.db = osxphotos.PhotosDB(dbfile=str(library))

    def __getitem__(self, uuid: str) -> osxphotos.PhotoInfo:
        return self.db.get_photo(uuid)


def _photos(library: Path) -> _Photos:
    return _Photos(library)


def _planned(run_cli: Run, *flags: str) -> set[str]:
    plan = run_json(run_cli, "import", "--dry-run", *flags)
    return {task["uuid"] for task in plan["tasks"]}


def test_an_album_selection_is_remembered_counted_apart_and_forgotten_on_request(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    library = shared_libraries[TEST_26]
    configure(library)
    photos = _photos(library)
    everything = _planned(run_cli)
    in_album = {u for u in everything if "Pumpkin Farm" in {a.title for a in photos[u].album_info}}
    assert 0 < len(in_album) < len(everything)
    first = run_json(run_cli, "sync", "--album", "Pumpkin Farm")
    assert first["import"]["uploaded"] == len(in_album)
    assert first["import"]["failed"] == 0
    waiting = [
        u
        for u, r in tracker_rows(data_dir).items()
        if r["status"] == "pending" and not r["in_trash"] and not r["archived"]
    ]
    assert set(waiting).isdisjoint(in_album)
    assert first["import"]["left_out_by_selection"] == len(waiting) > 0
    status = run_json(run_cli, "status")
    assert status["selection"] == "albums 'Pumpkin Farm'"
    assert status["left_out_by_selection"] == len(waiting)
    assert "Selection albums 'Pumpkin Farm':" in run_cli("status").stdout
    again = run_json(run_cli, "sync")  # the nightly run, no flags: the same selection
    assert again["import"]["uploaded"] == 0
    rows = tracker_rows(data_dir)
    assert {u for u, r in rows.items() if r["status"] == "imported"} == in_album
    assert not any(r["status"] == "failed" for r in rows.values())
    whole = run_json(run_cli, "sync", "--whole-library")
    assert whole["import"]["uploaded"] == len(everything) - len(in_album)
    assert run_json(run_cli, "status")["left_out_by_selection"] == 0


def test_dates_media_favorites_and_kinds_each_narrow_the_plan(
    run_cli: Run, shared_libraries: dict[str, Path], configure: Callable[[Path], None]
) -> None:
    library = shared_libraries[MEDIA_TYPES]
    configure(library)
    photos = _photos(library)
    everything = _planned(run_cli)
    videos = _planned(run_cli, "--media", "videos")
    assert videos and videos == {u for u in everything if photos[u].ismovie}
    no_live = _planned(run_cli, "--exclude-kind", "live-photo")
    assert no_live == {u for u in everything if not photos[u].live_photo}
    days = sorted(photos[u].date.date().isoformat() for u in everything)
    middle = days[len(days) // 2]
    since = _planned(run_cli, "--since", middle)
    assert since == {u for u in everything if photos[u].date.date().isoformat() >= middle}
    until = _planned(run_cli, "--until", middle)
    assert until == {u for u in everything if photos[u].date.date().isoformat() <= middle}
    favorites = _planned(run_cli, "--favorites-only")
    assert favorites == {u for u in everything if photos[u].favorite}
    empty = run_json(run_cli, "import", "--dry-run", "--since", "2100-01-01")
    assert empty["upload"] == empty["skip"] == 0  # nothing tried, so nothing skipped
    assert empty["left_out_by_selection"] >= len(everything)


@pytest.mark.parametrize(
    ("flags", "said"),
    [
        (("--since", "2024-13-01"), "is not a date"),
        (("--media", "movies"), "use photos or videos"),
        (("--exclude-kind", "selfies"), "unknown kind 'selfies'"),
    ],
)
def test_a_wrong_filter_is_refused_before_anything_runs(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    flags: tuple[str, ...],
    said: str,
) -> None:
    configure(shared_libraries[TEST_26])
    result = run_cli("sync", *flags)
    assert result.exit_code == 2 and said in result.stdout + result.stderr
    assert immich.state.assets == {}


def test_ignored_assets_are_never_uploaded_until_taken_back(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    configure(shared_libraries[TEST_26])
    planned = sorted(_planned(run_cli))
    run_json(run_cli, "import", "--limit", "1")
    pending = [u for u, r in tracker_rows(data_dir).items() if r["status"] == "pending"]
    chosen = next(u for u in planned if u in pending)
    assert run_cli("ignore", chosen.lower()).exit_code == 0
    run_json(run_cli, "import")
    row = tracker_rows(data_dir)[chosen]
    assert row["status"] == "skipped" and row["error_reason"].startswith("ignored by you")
    assert run_json(run_cli, "status")["ignored"] == 1
    assert "ignored by you" in run_cli("review").stdout
    assert run_cli("ignore", "NOT-A-UUID").exit_code == 1
    assert run_cli("ignore", "--undo", chosen).exit_code == 0
    assert run_json(run_cli, "import")["uploaded"] == 1
    assert tracker_rows(data_dir)[chosen]["status"] == "imported"


def test_import_force_brings_back_an_asset_recorded_as_imported(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
) -> None:
    configure(shared_libraries[TEST_26])
    run_json(run_cli, "import")
    uuid, row = next((u, r) for u, r in tracker_rows(data_dir).items() if r["status"] == "imported")
    immich.state.remove_asset(row["immich_id"])  # deleted for good in Immich
    assert run_json(run_cli, "import")["uploaded"] == 0  # recorded: a plain run trusts it
    forced = run_json(run_cli, "import", "--again", uuid)
    assert forced["uploaded"] == 1
    new_id = tracker_rows(data_dir)[uuid]["immich_id"]
    assert new_id != row["immich_id"] and new_id in immich.state.assets

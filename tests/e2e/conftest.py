"""The end-to-end suite: photos-sync against a real Immich server (markers ``real_immich``
and ``slow``); every test skips with one reason when no server is configured."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e import second
from tests.e2e.server import SKIP_REASON, RealImmich

FACE_IMPORT_SKIP = (
    "face import needs the kit's own server: its settings come from a config file that "
    "only a restart reads (PHOTOS_SYNC_E2E_IMMICH_DIR)"
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.real_immich)
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def real_immich() -> RealImmich:
    server = RealImmich.from_environment()
    if server is None:
        pytest.skip(SKIP_REASON)
    return server


@pytest.fixture(scope="session")
def second_immich_dir() -> Path:
    """The kit folder of a second server, for the restore test (read before the tests'
    environment is emptied)."""
    folder = second.second_dir()
    if folder is None:
        pytest.skip(second.SKIP_REASON)
    return folder


@pytest.fixture
def real_user(
    real_immich: RealImmich, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """photos-sync pointed at a new, empty user of the real server; yields the key."""
    key = real_immich.new_user()
    monkeypatch.setenv("IMMICH_URL", real_immich.url)
    monkeypatch.setenv("IMMICH_API_KEY", key)
    monkeypatch.setenv("PHOTOS_SYNC_DATA", str(data_dir))
    yield key


@pytest.fixture
def face_import(real_immich: RealImmich) -> Iterator[None]:
    """The kit's server restarted with face import on (``metadata.faces.import``, what
    ``doctor --apply-recommended`` sets; the kit's settings come from a file the API cannot
    change), and restarted as it was afterwards."""
    if real_immich.folder is None or not second.KIT.is_dir():
        pytest.skip(FACE_IMPORT_SKIP)
    settings = real_immich.folder / "etc" / "immich-config.json"
    before = settings.read_text()
    changed = json.loads(before)
    changed.setdefault("metadata", {}).setdefault("faces", {})["import"] = True
    settings.write_text(json.dumps(changed))
    try:
        second.restart(real_immich.folder)
        yield
    finally:
        settings.write_text(before)
        second.restart(real_immich.folder)

"""A sync killed (SIGKILL) at several moments against a real Immich, uploads and metadata
step included, then run again to the end: no asset and no album twice, every tracker row
on the server with its own bytes, verify clean."""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from photos_sync.plan.metadata import ALBUM_MARK
from tests.e2e.server import RealImmich, all_assets

PHOTOS_SYNC = str(Path(sys.executable).parent / "photos-sync")
LIBRARY = "Test-26.1.photoslibrary"
KILL_AT = (0.35, 0.6, 0.8, 0.95)  # of an undisturbed run's duration


def _env(real: RealImmich, key: str, library: Path, data: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("IMMICH_", "PHOTOS_"))}
    return {
        **keep,
        "IMMICH_URL": real.url,
        "IMMICH_API_KEY": key,
        "PHOTOS_LIBRARY": str(library),
        "PHOTOS_SYNC_DATA": str(data),
    }


def _sync(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [PHOTOS_SYNC, "sync"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )


def _finish(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PHOTOS_SYNC, *args], env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )


def _undisturbed_seconds(real: RealImmich, library: Path, tmp: Path) -> float:
    env = _env(real, real.new_user(), library, tmp / "timing")
    started = time.monotonic()
    done = _finish(env, "sync")
    assert done.returncode == 0, done.stderr
    seconds = time.monotonic() - started
    real.wait_until_idle()
    return seconds


@pytest.fixture(scope="module")
def run_seconds(
    real_immich: RealImmich,
    shared_libraries: dict[str, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> float:
    library = shared_libraries[LIBRARY]
    _undisturbed_seconds(real_immich, library, tmp_path_factory.mktemp("cold"))  # caches warm
    return _undisturbed_seconds(real_immich, library, tmp_path_factory.mktemp("warm"))


@pytest.mark.parametrize("fraction", KILL_AT)
def test_a_killed_sync_rerun_leaves_nothing_twice(
    fraction: float,
    run_seconds: float,
    real_immich: RealImmich,
    shared_libraries: dict[str, Path],
    tmp_path: Path,
) -> None:
    key = real_immich.new_user()
    env = _env(real_immich, key, shared_libraries[LIBRARY], tmp_path / "data")
    process = _sync(env)
    time.sleep(run_seconds * fraction)
    process.kill()
    process.communicate()
    real_immich.wait_until_idle()
    rerun = _finish(env, "sync")
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    real_immich.wait_until_idle()
    with real_immich.api(key) as client:
        assets = all_assets(client)
        made = client.get("/albums").json()
    marks = Counter(m.group(1) for a in made if (m := ALBUM_MARK.search(a["description"] or "")))
    checksums = Counter(base64.b64decode(a["checksum"]).hex() for a in assets)
    assert [c for c, n in checksums.items() if n > 1] == []
    assert [mark for mark, n in marks.items() if n > 1] == []  # Photos has two "Test Album"s
    assert len(marks) == len(made)
    by_id = {a["id"]: base64.b64decode(a["checksum"]).hex() for a in assets}
    with closing(sqlite3.connect(tmp_path / "data" / "tracker.db")) as tracker:
        rows = tracker.execute(
            "SELECT immich_id, sha1 FROM imported_assets WHERE status = 'imported'"
        ).fetchall()
    assert rows and all(by_id.get(immich_id) == sha1 for immich_id, sha1 in rows)
    verify = _finish(env, "verify")
    assert verify.returncode == 0, verify.stdout


@pytest.mark.parametrize("attempt", range(2))
def test_issue30_case_04_two_data_folders_at_once_leave_one_album_each(
    attempt: int,
    real_immich: RealImmich,
    shared_libraries: dict[str, Path],
    tmp_path: Path,
) -> None:
    """Two data folders syncing one library into one user at the very same moment (two
    Macs): whichever sees the other's albums first, one album per Photos album is left,
    holding the photos one sync alone puts there, and no asset twice. People both make
    before either places a face are there twice, which verify reports (seen every time
    here; docs/recovering.md says so)."""
    library = shared_libraries[LIBRARY]
    alone = real_immich.new_user()
    done = _finish(_env(real_immich, alone, library, tmp_path / "alone"), "sync")
    assert done.returncode == 0, done.stdout + done.stderr
    key = real_immich.new_user()
    envs = [_env(real_immich, key, library, tmp_path / f"data-{n}") for n in range(2)]
    processes = [_sync(env) for env in envs]
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, out + err
    real_immich.wait_until_idle()
    with real_immich.api(key) as client:
        assets = all_assets(client)
        made = client.get("/albums").json()
    with real_immich.api(alone) as client:
        expected = _album_sizes(client.get("/albums").json())
    checksums = Counter(base64.b64decode(a["checksum"]).hex() for a in assets)
    assert [c for c, n in checksums.items() if n > 1] == []
    marks = Counter(m.group(1) for a in made if (m := ALBUM_MARK.search(a["description"] or "")))
    assert marks and [mark for mark, n in marks.items() if n > 1] == []
    assert len(marks) == len(made) and _album_sizes(made) == expected
    with real_immich.api(key) as client:
        names = Counter(p["name"] for p in client.get("/people").json()["people"])
    verify = _finish(envs[0], "verify", "--json")
    problems = {d["problem"] for d in json.loads(verify.stdout)["differences"]}
    if any(n > 1 for n in names.values()):  # both made them before either saw the other's
        assert "person appears twice in Immich" in problems, verify.stdout
    else:
        assert verify.returncode == 0, verify.stdout


def _album_sizes(albums: list[dict[str, Any]]) -> dict[str, int]:
    """Photos album UUID (the mark) -> how many assets its Immich album holds."""
    return {
        mark.group(1): int(album["assetCount"])
        for album in albums
        if (mark := ALBUM_MARK.search(album["description"] or ""))
    }

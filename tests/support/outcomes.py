"""What a test checks after an import: the JSON summary, the tracker's rows, and that the
tracker and the server agree (no duplicate, nothing unaccounted for)."""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from tests.conftest import CliResult
from tests.support.immich_double import ImmichDouble

Run = Callable[..., CliResult]


def assert_one_clear_line(result: CliResult, *phrases: str, quiet: bool = False) -> None:
    """Non-zero exit, no traceback, one ``Error:`` line naming each phrase; ``quiet``: and
    nothing else printed at all (commands that fail before doing anything)."""
    assert result.exit_code != 0
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, result.stderr
    for phrase in phrases:
        assert phrase in errors[0]
    if quiet:
        assert result.stderr.strip().splitlines() == errors
        assert result.stdout == ""


def import_json(run_cli: Run, *args: str, code: int = 0) -> dict:  # type: ignore[type-arg]
    result = run_cli("import", "--json", *args)
    assert result.exit_code == code, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def doctor_check(run_cli: Run, name: str) -> dict[str, object]:
    """One line of ``doctor --json``, by its check's name."""
    checks = json.loads(run_cli("doctor", "--json").stdout)
    found: dict[str, object] = next(c for c in checks if c["check"] == name)
    return found


def tracker_rows(data_dir: Path) -> dict[str, sqlite3.Row]:
    with closing(sqlite3.connect(data_dir / "tracker.db")) as connection:
        connection.row_factory = sqlite3.Row
        rows = connection.execute("SELECT * FROM imported_assets").fetchall()
    return {row["icloud_uuid"]: row for row in rows}


def sha1_of(path: Path) -> bytes:
    return hashlib.sha1(path.read_bytes()).digest()


def assert_tracker_matches_server(data_dir: Path, immich: ImmichDouble) -> None:
    """Every imported row points at a server asset with its bytes; nothing on the server is
    unaccounted for; each Live Photo is one linked asset with its video hidden."""
    rows = tracker_rows(data_dir)
    referenced = set()
    for row in rows.values():
        if row["status"] != "imported":
            continue
        asset = immich.state.assets[row["immich_id"]]
        assert (
            base64.b64encode(asset.checksum).decode()
            == base64.b64encode(bytes.fromhex(row["sha1"])).decode()
        )
        referenced.add(asset.id)
        if row["motion_video_immich_id"]:
            video = immich.state.assets[row["motion_video_immich_id"]]
            assert asset.live_photo_video_id == video.id
            assert video.type == "VIDEO" and video.visibility == "hidden"
            referenced.add(video.id)
    assert set(immich.state.assets) == referenced

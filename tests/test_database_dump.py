"""Immich's database in the backup: a fresh dump asked for before the files go (an admin
key can), a stale one pointed out otherwise, and ``restore --drill`` proving the backup
could bring Immich back (real rclone, crypt over a local folder; Immich is the double,
whose backup-database job writes a dump in a real Immich 3.1.0's format)."""

from __future__ import annotations

import json
import os
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.support.backup import Run, setup_local
from tests.support.dumps import write_dump
from tests.support.immich_double import ImmichDouble
from tests.support.outcomes import assert_one_clear_line


@pytest.fixture
def immich_server(
    immich: ImmichDouble, immich_data: Path, monkeypatch: pytest.MonkeyPatch
) -> ImmichDouble:
    """The double as the Immich whose media folder is being backed up."""
    immich.state.media_dir = immich_data
    monkeypatch.setenv("IMMICH_URL", immich.url)
    monkeypatch.setenv("IMMICH_API_KEY", immich.add_key(["all"]))
    monkeypatch.setenv("IMMICH_RETRY_WAIT", "0")
    return immich


def _dumps(immich_data: Path) -> list[str]:
    return sorted(p.name for p in (immich_data / "backups").glob("immich-db-backup-2*.sql.gz"))


def test_an_admin_key_gets_a_fresh_dump_backed_up_and_the_drill_passes(
    run_cli: Run,
    backup_env: Path,
    immich_data: Path,
    immich_server: ImmichDouble,
    data_dir: Path,
) -> None:
    setup_local(run_cli, backup_env)
    assert _dumps(immich_data) == []
    backed_up = run_cli("backup", "--to", "disk")
    assert backed_up.exit_code == 0, backed_up.stderr
    assert immich_server.calls("createJob") == 1
    made = _dumps(immich_data)
    assert len(made) == 1 and f"Database dump made by Immich: {made[0]}" in backed_up.stdout

    drilled = run_cli("restore", "--from", "disk", "--drill")
    assert drilled.exit_code == 0, drilled.stdout + drilled.stderr
    originals = [p for top in ("upload", "library") for p in (immich_data / top).rglob("*")]
    files = sum(1 for p in originals if p.is_file())
    assert f"Database dump {made[0]}" in drilled.stdout
    assert f"with the size the dump records: {files:,} of {files:,}" in drilled.stdout
    assert "The backup can bring Immich back" in drilled.stdout
    status = run_cli("backup", "status", "--to", "disk").stdout
    assert "Newest database dump: " + made[0] in status
    with closing(sqlite3.connect(data_dir / "tracker.db")) as tracker:  # status shows it
        runs = tracker.execute("SELECT command, outcome, summary FROM runs").fetchall()
    assert [(command, outcome) for command, outcome, _ in runs] == [("backup", "ok")]
    summary = json.loads(runs[0][2])
    assert summary["destination"] == "disk" and summary["failed"] == {}
    assert Path(summary["log"]).is_file()  # the run's own log, as for a sync


def test_the_drill_names_originals_missing_or_changed_since_the_dump(
    run_cli: Run, backup_env: Path, immich_data: Path
) -> None:
    write_dump(immich_data)  # Immich's nightly dump; then files go astray before the backup
    gone = immich_data / "library/admin/2024/IMG_0001.jpg"
    gone.unlink()
    changed = immich_data / "upload/u1/pending.mov"
    changed.write_bytes(changed.read_bytes() + b"more")
    setup_local(run_cli, backup_env)
    assert run_cli("backup", "--to", "disk").exit_code == 0
    drilled = run_cli("restore", "--from", "disk", "--drill")
    assert drilled.exit_code == 1
    assert "✗ 1 missing: library/admin/2024/IMG_0001.jpg" in drilled.stdout
    assert "✗ 1 of another size: upload/u1/pending.mov" in drilled.stdout
    assert "The backup is incomplete" in drilled.stdout


def test_without_an_admin_key_an_old_or_missing_dump_is_a_warning(
    run_cli: Run,
    backup_env: Path,
    immich_data: Path,
    immich_server: ImmichDouble,
    data_dir: Path,
) -> None:
    immich_server.state.owner.is_admin = False
    setup_local(run_cli, backup_env)
    first = run_cli("backup", "--to", "disk")
    assert first.exit_code == 0 and immich_server.calls("createJob") == 0
    warned = " ".join(first.stderr.split())  # as wrapped on a terminal
    assert "no database dump in" in warned and "admin API key" in warned
    assert_one_clear_line(run_cli("restore", "--from", "disk", "--drill"), "no database dump")

    write_dump(immich_data, datetime.now(UTC) - timedelta(days=3))
    with sqlite3.connect(data_dir / "tracker.db") as tracker:
        tracker.execute(
            "INSERT INTO imported_assets (icloud_uuid, status, imported_at) VALUES (?, ?, ?)",
            ("A-UUID", "imported", datetime.now(UTC).isoformat()),
        )
    tracker.close()
    second = run_cli("backup", "--to", "disk")
    assert second.exit_code == 0
    assert "is older than the last upload to Immich" in " ".join(second.stderr.split())
    doctor = json.loads(run_cli("doctor", "--json").stdout)
    dump = next(c for c in doctor if c["check"] == "Database dump")
    assert dump["ok"] is False and "72 h old" in dump["detail"]
    assert os.environ["IMMICH_API_KEY"] not in second.stdout + second.stderr


def test_issue30_case_20_restore_drill_into_a_missing_scratch_folder(
    run_cli: Run,
    backup_env: Path,
    immich_data: Path,
    immich_server: ImmichDouble,
    tmp_path: Path,
) -> None:
    """``--to`` of a drill names a scratch folder: one that does not exist yet is made."""
    setup_local(run_cli, backup_env)
    assert run_cli("backup", "--to", "disk").exit_code == 0
    scratch = tmp_path / "scratch" / "drill"
    drilled = run_cli("restore", "--from", "disk", "--drill", "--to", str(scratch))
    assert drilled.exit_code == 0, drilled.stdout + drilled.stderr
    assert "The backup can bring Immich back" in drilled.stdout
    assert scratch.is_dir() and not any(scratch.iterdir())  # the dump is not left there

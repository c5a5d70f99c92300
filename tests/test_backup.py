"""`photos-sync backup` and `restore` with the real rclone, crypt over a local folder, and
the fake 1Password CLI."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from tests.conftest import FAKE_OP_DIR
from tests.support.backup import (
    MARKER,
    SECRETS,
    Run,
    all_bytes,
    setup_local,
    write_op_state,
)


def test_backup_encrypts_verifies_and_restores_byte_for_byte(
    run_cli: Run, backup_env: Path, immich_data: Path, tmp_path: Path, data_dir: Path
) -> None:
    setup_local(run_cli, backup_env)
    result = run_cli("backup", "--to", "disk")
    assert result.exit_code == 0, result.stdout + result.stderr
    for folder in ("library", "upload", "profile", "backups"):
        assert f"{folder} -> pscrypt:{folder}: COMPLETED" in result.stdout
    stored = all_bytes(backup_env)
    assert stored
    for path, data in stored:  # names and bytes are encrypted
        assert MARKER not in data
        for plain in ("library", "IMG_0001", "thumbs", "upload", "admin"):
            assert plain not in str(path.relative_to(backup_env))
    assert run_cli("backup", "verify", "--to", "disk").exit_code == 0
    status = run_cli("backup", "status", "--to", "disk")
    assert "library: COMPLETED" in status.stdout

    restored = tmp_path / "restored"
    result = run_cli("restore", "--from", "disk", "--to", str(restored))
    assert result.exit_code == 0, result.stdout + result.stderr
    for name in ("library", "upload", "profile", "backups"):
        for original in (immich_data / name).rglob("*"):
            if original.is_file():
                copy = restored / name / original.relative_to(immich_data / name)
                assert copy.read_bytes() == original.read_bytes()
    for rebuilt in ("thumbs", "encoded-video"):  # left out: Immich makes them again...
        assert [p.name for p in (restored / rebuilt).iterdir()] == [".immich"]
        # ...but refuses to start without each folder's mark (its "folder checks")
        assert (restored / rebuilt / ".immich").read_text().isdigit()
    assert "thumbs/.immich" in result.stdout
    snapshot = restored / "photos-sync-data" / "tracker-snapshot.db"
    with closing(sqlite3.connect(snapshot)) as tracker:  # a consistent copy of the tracker
        assert tracker.execute("SELECT COUNT(*) FROM backup_jobs").fetchone()[0] == 5


def test_changed_and_deleted_files_follow_on_the_next_backup(
    run_cli: Run, backup_env: Path, immich_data: Path, tmp_path: Path
) -> None:
    setup_local(run_cli, backup_env)
    assert run_cli("backup", "--to", "disk").exit_code == 0
    changed = immich_data / "library/admin/2024/IMG_0001.jpg"
    changed.write_bytes(b"edited in Immich " + os.urandom(100))
    (immich_data / "upload/u1/pending.mov").unlink()  # upload/'s only file: the guard's 50 %
    assert run_cli("backup", "--to", "disk").exit_code == 1
    assert run_cli("backup", "--to", "disk", "--allow-deletions").exit_code == 0
    restored = tmp_path / "r"
    assert (
        run_cli(
            "restore",
            "--from",
            "disk",
            "--to",
            str(restored),
            "--path",
            "library",
        ).exit_code
        == 0
    )
    assert (restored / "library/admin/2024/IMG_0001.jpg").read_bytes() == changed.read_bytes()
    again = tmp_path / "r2"
    assert (
        run_cli(
            "restore",
            "--from",
            "disk",
            "--to",
            str(again),
            "--path",
            "upload",
        ).exit_code
        == 0
    )
    assert not (again / "upload/u1/pending.mov").exists()  # sync mirrors deletions


def test_restore_refuses_a_folder_that_is_not_empty(
    run_cli: Run, backup_env: Path, tmp_path: Path
) -> None:
    setup_local(run_cli, backup_env)
    full = tmp_path / "full"
    full.mkdir()
    (full / "x").write_text("x")
    result = run_cli("restore", "--from", "disk", "--to", str(full))
    assert result.exit_code != 0 and "is not empty" in result.stderr


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"FAKE_OP_MODE": "signed_out"}, "1Password CLI is not signed in"),
        ({"drop": "encryption_password"}, "lacks encryption_password"),
        ({"BACKUP_OP_ITEM": "Nope"}, 'has no item "Nope"'),
    ],
)
def test_1password_problems_are_one_clear_line(
    run_cli: Run,
    backup_env: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    change: dict[str, str],
    message: str,
) -> None:
    setup_local(run_cli, backup_env)
    if "drop" in change:
        write_op_state(
            tmp_path / "op-state.json", **{k: v for k, v in SECRETS.items() if k != change["drop"]}
        )
    else:
        for name, value in change.items():
            monkeypatch.setenv(name, value)
    result = run_cli("backup", "--to", "disk")
    assert result.exit_code != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in result.stderr


def test_a_wrong_password_is_refused_before_anything_is_synced(
    run_cli: Run, backup_env: Path, tmp_path: Path
) -> None:
    setup_local(run_cli, backup_env)
    before = all_bytes(backup_env)
    write_op_state(tmp_path / "op-state.json", **{**SECRETS, "encryption_password": "wrong"})
    result = run_cli("backup", "--to", "disk")
    assert result.exit_code != 0 and "Backup refused" in result.stderr
    assert all_bytes(backup_env) == before


def test_stale_job_needs_force_then_resumes(run_cli: Run, backup_env: Path, data_dir: Path) -> None:
    setup_local(run_cli, backup_env)
    assert run_cli("backup", "--to", "disk").exit_code == 0
    with closing(sqlite3.connect(data_dir / "tracker.db")) as tracker, tracker:
        tracker.execute(
            "UPDATE backup_jobs SET status = 'RUNNING',"
            " last_update = '2020-01-01T00:00:00+00:00' WHERE priority = 1"
        )
    status = run_cli("backup", "status", "--to", "disk")
    assert "WARNING: stale job library" in status.stdout
    refused = run_cli("backup", "--to", "disk")
    assert refused.exit_code != 0 and "stale job(s): library" in refused.stderr
    resumed = run_cli("backup", "--to", "disk", "--force")
    assert resumed.exit_code == 0 and "library -> pscrypt:library: COMPLETED" in resumed.stdout
    assert run_cli("backup", "reset", "--to", "disk").exit_code == 0


def test_secrets_reach_no_file_log_or_command_line(
    run_cli: Run,
    backup_env: Path,
    data_dir: Path,
    fake_op: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    argvs: list[list[str]] = []  # every command line photos-sync gives a child process
    real_popen = subprocess.Popen

    class Recording(real_popen):  # type: ignore[misc, valid-type]
        def __init__(self, args: list[str], *rest: object, **kwargs: object) -> None:
            argvs.append([str(a) for a in args])
            super().__init__(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", Recording)
    setup_local(run_cli, backup_env)
    outputs = [
        run_cli("backup", "--to", "disk"),
        run_cli("backup", "status", "--to", "disk"),
        run_cli("--debug", "backup", "verify", "--to", "disk"),
    ]
    secret_values = [
        SECRETS[k] for k in ("application_key_id", "application_key", "encryption_password")
    ]
    calls = [json.loads(line) for line in fake_op.read_text().splitlines()]
    for value in secret_values:
        for output in outputs:
            assert value not in output.stdout + output.stderr
        for call in calls:
            assert value not in " ".join(call["argv"])
        assert any(argv[1:2] == ["sync"] for argv in argvs)  # rclone's own command lines too
        assert all(value not in " ".join(argv) for argv in argvs)
        for path, data in all_bytes(data_dir) + all_bytes(backup_env):
            assert value.encode() not in data, path


def _library_bytes_moved(tracker: Path) -> int:
    """Bytes rclone moved for the library folder in the latest run: the last stats its
    job recorded (the folders run a few at once, so the log interleaves them)."""
    with closing(sqlite3.connect(tracker)) as connection:
        row = connection.execute(
            "SELECT bytes_transferred FROM backup_jobs WHERE priority = 1"
        ).fetchone()
    return int(row[0] or 0)


def test_sigkill_mid_transfer_then_force_resumes_only_what_is_missing(
    backup_env: Path,
    immich_data: Path,
    data_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    big = immich_data / "library" / "big"
    big.mkdir()
    for n in range(8):
        (big / f"VID_{n}.mov").write_bytes(os.urandom(2 * 1024 * 1024))
    total = sum(p.stat().st_size for p in (immich_data / "library").rglob("*") if p.is_file())
    env = {
        **os.environ,
        "PATH": f"{FAKE_OP_DIR}{os.pathsep}{os.environ['PATH']}",
        "BACKUP_STATS_INTERVAL": "1",
        "RCLONE_BWLIMIT": "4M",
        "RCLONE_TRANSFERS": "2",
    }
    photos_sync = [str(Path(sys.executable).parent / "photos-sync")]
    setup = subprocess.run(
        [
            *photos_sync,
            "backup",
            "setup",
            "--to",
            "disk",
            "--type",
            "local",
            "--bucket",
            str(backup_env),
            "--yes",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert setup.returncode == 0, setup.stderr
    process = subprocess.Popen(
        [*photos_sync, "backup", "--to", "disk"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    tracker = data_dir / "tracker.db"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.2)
        with closing(sqlite3.connect(tracker)) as connection:
            row = connection.execute(
                "SELECT bytes_transferred FROM backup_jobs"
                " WHERE priority = 1 AND status = 'RUNNING'"
            ).fetchone()
        if row and row[0] > 5 * 1024 * 1024:
            break
    process.send_signal(signal.SIGKILL)
    process.communicate()  # reaps it and closes its pipes
    time.sleep(3.5)  # three stats intervals without news: the job is stale
    status = subprocess.run(
        [*photos_sync, "backup", "status", "--to", "disk"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "WARNING: stale job library" in status.stdout
    refused = subprocess.run(
        [*photos_sync, "backup", "--to", "disk"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode != 0 and "stale job(s): library" in refused.stderr
    resumed = subprocess.run(
        [*photos_sync, "backup", "--to", "disk", "--force"],
        env={**env, "RCLONE_BWLIMIT": "0"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    moved = _library_bytes_moved(tracker)
    assert 0 < moved < total * 0.9  # only what the killed run had not finished
    verify = subprocess.run(
        [*photos_sync, "backup", "verify", "--to", "disk"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert verify.returncode == 0, verify.stdout


@pytest.fixture
def s3_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """rclone's own S3 server on 127.0.0.1, serving a folder; keys as in SECRETS."""
    root = tmp_path / "s3root"
    (root / "immich-bucket").mkdir(parents=True)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    rclone = str(Path(sys.executable).parent / "rclone")
    keys = f"{SECRETS['application_key_id']},{SECRETS['application_key']}"
    server = subprocess.Popen(
        [rclone, "serve", "s3", str(root), "--addr", f"127.0.0.1:{port}", "--auth-key", keys],
        env={**os.environ, "RCLONE_CONFIG": ""},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with socket.socket() as attempt:
            if attempt.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}", root
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_backup_to_s3_over_loopback(
    run_cli: Run,
    backup_env: Path,
    s3_server: tuple[str, Path],
    immich_data: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    endpoint, root = s3_server
    monkeypatch.setenv("BACKUP_S3_ENDPOINT", endpoint)
    monkeypatch.setenv("BACKUP_S3_PROVIDER", "Rclone")
    setup = run_cli(
        "backup", "setup", "--to", "s3", "--type", "s3", "--bucket", "immich-bucket", "--yes"
    )
    assert setup.exit_code == 0, setup.stderr
    assert run_cli("backup", "--to", "s3").exit_code == 0
    for path, data in all_bytes(root):
        assert MARKER not in data and "library" not in str(path)
    assert run_cli("backup", "verify", "--to", "s3").exit_code == 0
    restored = tmp_path / "from-s3"
    assert (
        run_cli("restore", "--from", "s3", "--to", str(restored), "--path", "library").exit_code
        == 0
    )
    original = immich_data / "library/admin/2024/IMG_0002.heic"
    assert (restored / "library/admin/2024/IMG_0002.heic").read_bytes() == original.read_bytes()


def test_check_and_dry_run(run_cli: Run, backup_env: Path, data_dir: Path) -> None:
    checked = run_cli("backup", "check")
    assert checked.exit_code == 0, checked.stdout
    assert "✓ 1Password item: all four fields (bucket my-immich-bucket)" in checked.stdout
    setup_local(run_cli, backup_env)
    before = all_bytes(backup_env)
    dry = run_cli("backup", "--to", "disk", "--dry-run")
    assert dry.exit_code == 0 and "Dry run: nothing was transferred" in dry.stdout
    assert all_bytes(backup_env) == before
    assert "Skipped copy as --dry-run is set" in (data_dir / "backup.log").read_text()


def test_unmounted_immich_folder_is_refused(
    run_cli: Run, backup_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup_local(run_cli, backup_env)
    empty = tmp_path / "not-mounted"
    empty.mkdir()
    monkeypatch.setenv("BACKUP_IMMICH_PATH", str(empty))
    result = run_cli("backup", "--to", "disk")
    assert result.exit_code != 0 and "does not look like Immich's data" in result.stderr


def test_setup_creates_the_1password_item_with_a_generated_password(
    run_cli: Run, backup_env: Path, tmp_path: Path, fake_op: Path
) -> None:
    state = tmp_path / "op-state.json"
    state.write_text(
        json.dumps(
            {
                "account": {"email": "me@example.com"},
                "vaults": [{"id": "v1", "name": "Private", "items": []}],
            }
        )
    )
    result = run_cli(
        "backup", "setup", "--to", "disk", "--type", "local", "--bucket", str(backup_env), "--yes"
    )
    assert result.exit_code == 0, result.stderr
    assert 'Created the 1Password item "Immich Backup B2"' in result.stdout
    item = json.loads(state.read_text())["vaults"][0]["items"][0]
    password = next(f["value"] for f in item["fields"] if f["label"] == "encryption_password")
    assert len(password) >= 32
    calls = [json.loads(line) for line in fake_op.read_text().splitlines()]
    assert all(password not in " ".join(call["argv"]) for call in calls)  # stdin only
    assert run_cli("backup", "--to", "disk").exit_code == 0
    b2 = run_cli("backup", "setup", "--to", "cloud", "--type", "b2", "--yes")
    assert b2.exit_code != 0
    assert "lacks application_key_id, application_key, bucket_name" in b2.stderr


def test_verify_reads_back_a_sample_and_catches_tampering(run_cli: Run, backup_env: Path) -> None:
    setup_local(run_cli, backup_env)
    assert run_cli("backup", "--to", "disk").exit_code == 0
    full = run_cli("backup", "verify", "--to", "disk", "--sample", "100")
    assert full.exit_code == 0, full.stdout
    assert "read back and compared 2 files (0 large)" in full.stdout  # library: both files
    biggest = max((p for p, _ in all_bytes(backup_env)), key=lambda p: p.stat().st_size)
    data = bytearray(biggest.read_bytes())
    data[100] ^= 0xFF
    biggest.write_bytes(bytes(data))
    broken = run_cli("backup", "verify", "--to", "disk")
    assert broken.exit_code == 1 and "✗ " in broken.stdout


def test_restore_proves_every_imported_original_is_intact(
    run_cli: Run, backup_env: Path, immich_data: Path, data_dir: Path, tmp_path: Path
) -> None:
    setup_local(run_cli, backup_env)
    originals = sorted((immich_data / "library").rglob("*.*"))
    with closing(sqlite3.connect(data_dir / "tracker.db")) as tracker, tracker:
        for n, path in enumerate(originals):
            tracker.execute(
                "INSERT INTO imported_assets (icloud_uuid, status, sha1) VALUES (?, 'imported', ?)",
                (f"U{n}", hashlib.sha1(path.read_bytes()).hexdigest()),
            )
    assert run_cli("backup", "--to", "disk").exit_code == 0
    restored = run_cli(
        "restore", "--from", "disk", "--to", str(tmp_path / "r"), "--path", "library"
    )
    assert restored.exit_code == 0, restored.stdout
    assert f"{len(originals)} of {len(originals)} restored intact" in restored.stdout
    with closing(sqlite3.connect(data_dir / "tracker.db")) as tracker, tracker:
        tracker.execute(
            "INSERT INTO imported_assets (icloud_uuid, status, sha1)"
            " VALUES ('GONE', 'imported', ?)",
            ("0" * 40,),
        )
    incomplete = run_cli(
        "restore", "--from", "disk", "--to", str(tmp_path / "r2"), "--path", "library"
    )
    assert incomplete.exit_code == 1 and "1 missing or changed" in incomplete.stdout

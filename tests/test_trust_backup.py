"""Trust, backup side (issue 12, cases 1, 11 and 12): a backup never empties itself because a
disk was not mounted, a restore is judged only on what the backup holds, and a wrong password
writes nothing. Real rclone, crypt over a local folder, the fake 1Password CLI."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from photos_sync.backup.tools import find_rclone
from tests.support.backup import SECRETS, Run, all_bytes, setup_local, write_op_state

RESTORE_DELETED = ("restore", "--from", "disk", "--path", "photos-sync-deleted", "--to")


def _remote_files(remote: Path) -> int:
    return sum(1 for p in remote.rglob("*") if p.is_file())


def _assert_restored(originals: Path, restored: Path) -> None:
    """Every file under ``originals`` is in ``restored`` at the same place, byte for byte."""
    for original in originals.rglob("*.*"):
        assert (restored / original.relative_to(originals)).read_bytes() == original.read_bytes()


def _leave_library_as(immich_data: Path, tmp_path: Path, shape: str) -> None:
    """Move library/ aside and leave what an unmounted disk or a fresh Immich shows."""
    shutil.move(immich_data / "library", tmp_path / "library-aside")
    (immich_data / "library").mkdir()
    if shape == "admin folder":
        (immich_data / "library" / "admin").mkdir()
    elif shape == "immich markers":
        (immich_data / "library" / ".immich").write_text("")
        (immich_data / "library" / "admin").mkdir()
        (immich_data / "library" / "admin" / ".immich").write_text("")


@pytest.mark.parametrize("shape", ["empty folder", "admin folder", "immich markers"])
def test_case_01_backup_refuses_to_delete_most_of_a_folder(
    run_cli: Run, backup_env: Path, immich_data: Path, tmp_path: Path, shape: str
) -> None:
    setup_local(run_cli, backup_env)
    assert run_cli("backup", "--to", "disk").exit_code == 0
    restored_before = tmp_path / "before"
    assert run_cli("restore", "--from", "disk", "--to", str(restored_before)).exit_code == 0
    _leave_library_as(immich_data, tmp_path, shape)

    refused = run_cli("backup", "--to", "disk")
    assert refused.exit_code == 1
    assert "library: refused" in refused.stdout
    assert "library: COMPLETED" not in refused.stdout
    assert "--allow-deletions" in refused.stdout
    verify = run_cli("backup", "verify", "--to", "disk")
    assert verify.exit_code == 1  # the remote no longer matches: not a silent ✓
    status = run_cli("backup", "status", "--to", "disk")
    assert "library: FAILED" in status.stdout

    # Nothing of the library is lost: what the backup held is still restorable, either in
    # place or from the dated folder of deleted files.
    restored, deleted = tmp_path / "after", tmp_path / "deleted"
    assert run_cli("restore", "--from", "disk", "--to", str(restored)).exit_code == 0
    assert not (restored / "photos-sync-deleted").exists()  # not mixed into Immich's data
    assert run_cli(*RESTORE_DELETED, str(deleted)).exit_code == 0
    for original in (tmp_path / "library-aside").rglob("*"):
        if original.is_file():
            relative = original.relative_to(tmp_path / "library-aside")
            kept = [restored / "library" / relative]
            kept += deleted.glob(f"photos-sync-deleted/*/library/{relative}")
            assert any(p.is_file() and p.read_bytes() == original.read_bytes() for p in kept)


def test_case_01_allow_deletions_keeps_what_it_deleted_recoverable(
    run_cli: Run, backup_env: Path, immich_data: Path, tmp_path: Path
) -> None:
    setup_local(run_cli, backup_env)
    assert run_cli("backup", "--to", "disk").exit_code == 0
    gone = immich_data / "library/admin/2024/IMG_0001.jpg"
    data = gone.read_bytes()
    _leave_library_as(immich_data, tmp_path, "empty folder")
    allowed = run_cli("backup", "--to", "disk", "--allow-deletions")
    assert allowed.exit_code == 0, allowed.stdout + allowed.stderr
    assert "library -> pscrypt:library: COMPLETED" in allowed.stdout
    restored, deleted = tmp_path / "r", tmp_path / "deleted"
    assert run_cli("restore", "--from", "disk", "--to", str(restored)).exit_code == 0
    assert not any((restored / "library").rglob("*.jpg"))  # the mirror followed
    assert run_cli(*RESTORE_DELETED, str(deleted)).exit_code == 0
    kept = list(deleted.glob("photos-sync-deleted/*/library/admin/2024/IMG_0001.jpg"))
    assert len(kept) == 1 and kept[0].read_bytes() == data  # and it can be undone


def test_case_11_restore_force_checks_only_what_the_backup_holds(
    run_cli: Run, backup_env: Path, tmp_path: Path
) -> None:
    setup_local(run_cli, backup_env)
    assert run_cli("backup", "--to", "disk").exit_code == 0
    target = tmp_path / "busy"
    target.mkdir()
    (target / "notes.txt").write_text("mine, not the backup's")
    result = run_cli("restore", "--from", "disk", "--to", str(target), "--force")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "differences found" not in result.stdout
    assert (target / "notes.txt").read_text() == "mine, not the backup's"


def test_case_12_setup_with_the_wrong_password_writes_nothing(
    run_cli: Run, backup_env: Path, tmp_path: Path
) -> None:
    setup_local(run_cli, backup_env)
    assert run_cli("backup", "--to", "disk").exit_code == 0
    before = all_bytes(backup_env)
    count = _remote_files(backup_env)
    write_op_state(tmp_path / "op-state.json", **{**SECRETS, "encryption_password": "wrong"})
    result = run_cli(
        "backup", "setup", "--to", "disk", "--type", "local", "--bucket", str(backup_env), "--yes"
    )
    assert result.exit_code != 0
    assert "another password" in result.stderr
    assert _remote_files(backup_env) == count and all_bytes(backup_env) == before


def test_one_folders_guard_holds_when_the_folders_share_one_sync(
    run_cli: Run, backup_env: Path, immich_data: Path, tmp_path: Path
) -> None:
    """Immich's folders go in one rclone sync, which only knows the sum of their deletion
    limits; a folder past its own limit is still refused, alone, and the others finish."""
    for n in range(10):
        (immich_data / "library" / "admin" / f"more_{n}.jpg").write_bytes(os.urandom(500))
    dumps = [immich_data / "backups" / f"dump-{n}.sql.gz" for n in range(3)]
    for dump in dumps:
        dump.write_bytes(os.urandom(800))
    kept = {dump.name: dump.read_bytes() for dump in immich_data.joinpath("backups").iterdir()}
    setup_local(run_cli, backup_env)
    assert run_cli("backup", "--to", "disk").exit_code == 0
    for n in range(3):  # 3 of the library's 12 files: within its limit of 6
        (immich_data / "library" / "admin" / f"more_{n}.jpg").unlink()
    for dump in immich_data.joinpath("backups").iterdir():  # all 4: past its limit of 2
        dump.unlink()
    (immich_data / "upload" / "u1" / "new.mov").write_bytes(b"new upload")

    result = run_cli("backup", "--to", "disk")
    assert result.exit_code == 1
    assert "backups: refused" in result.stdout and "of the 4 files" in result.stdout
    for folder in ("library", "upload", "profile"):
        assert f"{folder} -> pscrypt:{folder}: COMPLETED" in result.stdout
    restored, deleted = tmp_path / "r", tmp_path / "deleted"
    assert run_cli("restore", "--from", "disk", "--to", str(restored)).exit_code == 0
    assert run_cli(*RESTORE_DELETED, str(deleted)).exit_code == 0
    assert (restored / "upload" / "u1" / "new.mov").read_bytes() == b"new upload"
    assert not (restored / "library" / "admin" / "more_0.jpg").exists()  # the mirror followed
    assert len(list(deleted.glob("photos-sync-deleted/*/library/admin/more_*.jpg"))) == 3
    for name, data in kept.items():  # every dump still restorable, in place or set aside
        places = [
            restored / "backups" / name,
            *deleted.glob(f"photos-sync-deleted/*/backups/{name}"),
        ]
        assert any(p.is_file() and p.read_bytes() == data for p in places)


def test_changed_files_are_not_deletions_to_the_guard(
    run_cli: Run, backup_env: Path, immich_data: Path, tmp_path: Path
) -> None:
    """Immich rewrites sidecars every night: a changed file's old copy is moved aside too
    (rclone says "Moved (server-side)", not "Moved into backup dir"), but it is no
    deletion. Every file of the library changed, past its limit of 1, and all goes."""
    setup_local(run_cli, backup_env)
    assert run_cli("backup", "--to", "disk").exit_code == 0
    changed = {p: os.urandom(900) for p in (immich_data / "library").rglob("*.*")}
    for path, data in changed.items():
        path.write_bytes(data)

    for dry_run in (("--dry-run",), ()):
        result = run_cli("backup", "--to", "disk", *dry_run)
        assert result.exit_code == 0, result.stdout + result.stderr
        assert "library -> pscrypt:library: COMPLETED" in result.stdout
    restored = tmp_path / "r"
    restore = run_cli("restore", "--from", "disk", "--path", "library", "--to", str(restored))
    assert restore.exit_code == 0
    for path, data in changed.items():
        assert (restored / path.relative_to(immich_data)).read_bytes() == data


def test_a_folder_gone_from_disk_fails_and_its_backup_stays(
    run_cli: Run, backup_env: Path, immich_data: Path, data_dir: Path, tmp_path: Path
) -> None:
    """A folder whose job did not finish last time, gone from disk since: rclone is told
    to sync it alone and fails on it, as before; its backup is not taken for a folder
    emptied (which the guard would only have halved)."""
    uploads = {f"u1/more_{n}.mov": os.urandom(300) for n in range(4)}
    for name, data in uploads.items():
        (immich_data / "upload" / name).write_bytes(data)
    setup_local(run_cli, backup_env)
    assert run_cli("backup", "--to", "disk").exit_code == 0
    with closing(sqlite3.connect(data_dir / "tracker.db")) as tracker, tracker:
        tracker.execute("UPDATE backup_jobs SET status = 'FAILED' WHERE priority = 2")
    shutil.rmtree(immich_data / "upload")

    result = run_cli("backup", "--to", "disk")
    assert result.exit_code == 1
    (shown,) = [line for line in result.stdout.splitlines() if line.startswith("upload")]
    assert "FAILED" in shown and "directory not found" in shown
    assert "library -> pscrypt:library: COMPLETED" in result.stdout
    restored = tmp_path / "r"
    restore = run_cli("restore", "--from", "disk", "--path", "upload", "--to", str(restored))
    assert restore.exit_code == 0
    for name, data in uploads.items():
        assert (restored / "upload" / name).read_bytes() == data


def test_a_folder_linked_to_another_disk_is_backed_up_through_the_link(
    run_cli: Run, backup_env: Path, immich_data: Path, tmp_path: Path
) -> None:
    """Immich's library moved to a bigger disk and linked back: rclone does not follow a
    link inside what it syncs, so the linked folder is synced alone, through it (a sync of
    its parent would see no library at all, and delete its backup up to the guard)."""
    setup_local(run_cli, backup_env)
    assert run_cli("backup", "--to", "disk").exit_code == 0
    moved = tmp_path / "big-disk" / "library"
    moved.parent.mkdir()
    shutil.move(immich_data / "library", moved)
    (immich_data / "library").symlink_to(moved)
    (moved / "admin" / "2024" / "IMG_0003.jpg").write_bytes(b"new on the big disk")

    result = run_cli("backup", "--to", "disk")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "library -> pscrypt:library: COMPLETED" in result.stdout
    restored = tmp_path / "r"
    assert run_cli("restore", "--from", "disk", "--to", str(restored)).exit_code == 0
    _assert_restored(moved, restored / "library")


def _watched_rclone(
    folder: Path, failing_syncs: int = 0, copy_loses: str = "", unreadable: str = ""
) -> Path:
    """rclone behind a script that notes each command it runs; its first ``failing_syncs``
    syncs end as rclone's temporary failures do (exit 5, an error line), doing nothing; a
    ``copy`` leaves out the file ``copy_loses`` (a path below its target); a sync of the
    Immich folder ``unreadable`` (alone or among others) fails as rclone does on a folder
    it cannot read (exit 1), which root, running the tests, cannot be refused."""
    rclone = find_rclone()
    assert rclone is not None
    failure = '{"level":"error","msg":"Failed to sync: connection reset by peer"}'
    message = f'failed to open directory "{unreadable}": permission denied'  # as rclone 1.75
    denied = json.dumps({"level": "error", "msg": message, "object": unreadable})
    script = folder / "rclone"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$1" >> "{folder}/started"\n'
        f'if [ "$1" = sync ] && [ $(grep -c sync "{folder}/started") -le {failing_syncs} ]; then\n'
        f"  echo '{failure}' >&2; exit 5\n"
        "fi\n"
        f'if [ "$1" = sync ] && [ -n "{unreadable}" ] && echo "$*" | grep -q'
        f' -e "+ /{unreadable}/" -e "immich/{unreadable} "; then\n'
        f"  echo '{denied}' >&2; exit 1\n"
        "fi\n"
        f'if [ "$1" = copy ] && [ -n "{copy_loses}" ]; then\n'
        f'  "{rclone}" "$@" && rm "$3/{copy_loses}"; exit $?\n'
        "fi\n"
        f'exec "{rclone}" "$@"\n'
    )
    script.chmod(0o755)
    return script


def test_a_folder_rclone_cannot_read_fails_alone(
    run_cli: Run,
    backup_env: Path,
    immich_data: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Immich's folders share a sync; when it fails, each goes again alone, so a folder
    rclone cannot read fails by itself and the others are backed up, as when each folder
    had its own sync."""
    monkeypatch.setenv("RCLONE_BINARY", str(_watched_rclone(tmp_path, unreadable="backups")))
    setup_local(run_cli, backup_env)

    result = run_cli("backup", "--to", "disk")
    assert result.exit_code == 1
    (shown,) = [line for line in result.stdout.splitlines() if line.startswith("backups")]
    assert shown.endswith(
        'FAILED: rclone exited 1: failed to open directory "backups": permission denied'
    )
    for folder in ("library", "upload", "profile"):
        assert f"{folder} -> pscrypt:{folder}: COMPLETED" in result.stdout
    restored = tmp_path / "r"
    monkeypatch.delenv("RCLONE_BINARY")
    assert run_cli("restore", "--from", "disk", "--to", str(restored)).exit_code == 0
    _assert_restored(immich_data / "library", restored / "library")
    assert not (restored / "backups").exists()


def test_a_backup_with_nothing_new_starts_rclone_three_times(
    run_cli: Run, backup_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each rclone start costs about what a small folder's sync does: a night with nothing
    new reads the canary, syncs Immich's four folders in one run and our data in another."""
    setup_local(run_cli, backup_env)
    assert run_cli("backup", "--to", "disk").exit_code == 0
    monkeypatch.setenv("RCLONE_BINARY", str(_watched_rclone(tmp_path)))

    result = run_cli("backup", "--to", "disk")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert sorted((tmp_path / "started").read_text().split()) == ["cat", "sync", "sync"]
    for folder in ("library", "upload", "profile", "backups"):
        assert f"{folder} -> pscrypt:{folder}: COMPLETED" in result.stdout


@pytest.mark.parametrize("lost", ["", "profile/admin/face.png"])
def test_a_restore_into_an_empty_folder_copies_then_checks_and_no_more(
    run_cli: Run,
    backup_env: Path,
    immich_data: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    lost: str,
) -> None:
    """Into an empty folder everything there came from the backup: the check needs no
    listing of it first (one rclone start less), and a file the copy missed still shows."""
    setup_local(run_cli, backup_env)
    assert run_cli("backup", "--to", "disk").exit_code == 0
    monkeypatch.setenv("RCLONE_BINARY", str(_watched_rclone(tmp_path, copy_loses=lost)))

    restored = tmp_path / "r"
    result = run_cli("restore", "--from", "disk", "--to", str(restored))
    assert (tmp_path / "started").read_text().split() == ["copy", "cryptcheck"]
    if lost:
        assert result.exit_code == 1
        assert "checked against the backup: Failed to cryptcheck: 1 differences found" in (
            result.stdout
        )
    else:
        assert result.exit_code == 0, result.stdout + result.stderr
        files = sum(1 for p in restored.rglob("*") if p.is_file() and p.name != ".immich")
        assert f"{files} matching files" in result.stdout
        original = immich_data / "profile" / "admin" / "face.png"
        assert (restored / "profile/admin/face.png").read_bytes() == original.read_bytes()


@pytest.mark.parametrize("failing", [2, 99])
def test_a_temporary_rclone_failure_is_retried_then_reported(
    run_cli: Run,
    backup_env: Path,
    immich_data: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    failing: int,
) -> None:
    monkeypatch.setenv("RCLONE_BINARY", str(_watched_rclone(tmp_path, failing)))
    monkeypatch.setenv("BACKUP_MAX_RETRIES", "2")
    setup_local(run_cli, backup_env)

    result = run_cli("backup", "--to", "disk")
    status = run_cli("backup", "status", "--to", "disk").stdout
    restored = tmp_path / "r"
    if failing == 2:  # the first two syncs failed: each was run again, and all is backed up
        assert result.exit_code == 0, result.stdout + result.stderr
        assert run_cli("restore", "--from", "disk", "--to", str(restored)).exit_code == 0
        for folder in ("library", "upload", "profile", "backups"):
            _assert_restored(immich_data / folder, restored / folder)
    else:  # three tries each, then said plainly
        assert result.exit_code == 1
        said = "FAILED: rclone exited 5: Failed to sync: connection reset by peer"
        for folder in ("library", "upload", "profile", "backups", "data"):
            shown = [line for line in result.stdout.splitlines() if line.startswith(folder)]
            assert len(shown) == 1 and shown[0].endswith(said)
            assert f"  {folder}: FAILED" in status
        syncs = (tmp_path / "started").read_text().split().count("sync")
        assert syncs == 1 + 4 * 2 + 3  # Immich's folders tried together, then each alone

"""Trust, backup side (issue 12, cases 1, 11 and 12): a backup never empties itself because a
disk was not mounted, a restore is judged only on what the backup holds, and a wrong password
writes nothing. Real rclone, crypt over a local folder, the fake 1Password CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.backup import SECRETS, Run, all_bytes, setup_local, write_op_state

RESTORE_DELETED = ("restore", "--from", "disk", "--path", "photos-sync-deleted", "--to")


def _remote_files(remote: Path) -> int:
    return sum(1 for p in remote.rglob("*") if p.is_file())


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
    verify = run_cli("backup", "--to", "disk", "--verify")
    assert verify.exit_code == 1  # the remote no longer matches: not a silent ✓
    status = run_cli("backup", "--to", "disk", "--status")
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
        "backup", "--setup", "--to", "disk", "--type", "local", "--bucket", str(backup_env), "--yes"
    )
    assert result.exit_code != 0
    assert "another password" in result.stderr
    assert _remote_files(backup_env) == count and all_bytes(backup_env) == before

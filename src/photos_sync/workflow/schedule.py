"""``photos-sync schedule``: the nightly job (``sync``, then ``backup``) installed in the
platform's scheduler, its state, and the job itself."""

from __future__ import annotations

import subprocess
import sys
from contextlib import closing
from dataclasses import dataclass
from datetime import time
from pathlib import Path

from photos_sync.config import Settings, only_in_environment, settings_file
from photos_sync.errors import ConfigError
from photos_sync.logs import FOLDER as LOG_FOLDER
from photos_sync.schedule.managers import Installed, Scheduler
from photos_sync.schedule.units import Job
from photos_sync.track.backup_jobs import destination
from photos_sync.track.database import open_tracker_read_only
from photos_sync.track.runs import RunRecord, last_runs

JOB_LOG = "schedule.log"  # what the job prints; each run also writes its own log
PASSED_ON = {"PHOTOS_SYNC_DATA", "PHOTOS_LIBRARY"}  # given to the job as options


def photos_sync_command(settings: Settings) -> list[str]:
    """This photos-sync (this Python), on this data folder and library."""
    command = [sys.executable, "-m", "photos_sync", "--data-dir", str(settings.photos_sync_data)]
    if settings.photos_library is not None:
        command += ["--library", str(settings.photos_library)]
    return command


def nightly_job(settings: Settings, at: time, backup_to: str | None, working_dir: Path) -> Job:
    """The job as ``install`` writes it."""
    command = photos_sync_command(settings)
    command += ["schedule", "job"]
    command += ["--backup-to", backup_to] if backup_to else ["--no-backup"]
    log_file = settings.photos_sync_data / LOG_FOLDER / JOB_LOG
    return Job(at, tuple(command), working_dir, log_file)


def install(
    scheduler: Scheduler,
    settings: Settings,
    at: time,
    backup_to: str | None,
    working_dir: Path,
) -> tuple[Job, list[str]]:
    """Write and load the job, replacing an earlier one; refused when a setting the job
    needs lives only in this shell's environment, which the job will not have."""
    missing = only_in_environment(settings.photos_sync_data, working_dir, PASSED_ON)
    if missing:
        raise ConfigError(
            f"{', '.join(missing)} set only in this shell's environment, which the nightly "
            "job will not have",
            f"Put {'them' if len(missing) > 1 else 'it'} in {settings_file()} (`photos-sync "
            f"setup` writes it), {settings.photos_sync_data / '.env'} or ./.env here, and "
            "install again",
        )
    if backup_to and not _has_destination(settings, backup_to):
        raise ConfigError(
            f"No backup destination named '{backup_to}': the nightly backup would fail",
            f"Run `photos-sync backup setup --to {backup_to}` first, or install with --no-backup",
        )
    if backup_to and settings.backup_immich_path is None:
        raise ConfigError(
            "BACKUP_IMMICH_PATH is set nowhere: the nightly backup would have nothing to back "
            "up and fail every night",
            f"Put Immich's data folder (its UPLOAD_LOCATION) in "
            f"{settings.photos_sync_data / '.env'} as BACKUP_IMMICH_PATH, or install with "
            "--no-backup",
        )
    job = nightly_job(settings, at, backup_to, working_dir)
    broken = [word for word in job.command if any(c in word for c in "\n\r\0")]
    if broken:
        raise ConfigError(
            f"A path the nightly job needs holds a line break: {broken[0]!r}; a scheduler "
            "runs a job from one line, so this one could never start",
            "Rename the folder (or move the library) to a path without one, and install again",
        )
    job.log_file.parent.mkdir(parents=True, exist_ok=True)
    return job, scheduler.install(job)


def _has_destination(settings: Settings, name: str) -> bool:
    connection = open_tracker_read_only(settings.tracker_path)
    if connection is None:
        return False
    with closing(connection):
        return destination(connection, name) is not None


@dataclass(frozen=True)
class ScheduleState:
    scheduler: str
    installed: Installed | None
    last_runs: list[RunRecord]  # the most recent sync and backup

    def to_json(self) -> dict[str, object]:
        job = self.installed
        return {
            "scheduler": self.scheduler,
            "installed": job is not None,
            "at": f"{job.at:%H:%M}" if job and job.at else None,
            "loaded": job.loaded if job else False,
            "next_run": job.next_run if job else None,
            "files": [str(f) for f in job.files] if job else [],
            "last_runs": [run.to_json() for run in self.last_runs],
        }


def schedule_state(scheduler: Scheduler, settings: Settings) -> ScheduleState:
    connection = open_tracker_read_only(settings.tracker_path)
    runs = []
    if connection is not None:
        try:
            runs = last_runs(connection, ("sync", "backup"))
        finally:
            connection.close()
    return ScheduleState(scheduler.name, scheduler.installed(), runs)


def run_job(base: list[str], backup_to: str | None) -> int:
    """What the scheduler starts: ``sync``, then ``backup`` even when the sync failed (the
    server's files still want their copy); the worse exit code. Each is its own process
    with its own run record, log and health pings."""
    codes = [subprocess.run([*base, "sync"], check=False).returncode]
    if backup_to:
        codes.append(subprocess.run([*base, "backup", "--to", backup_to], check=False).returncode)
    return max(codes)

"""The job's files, made from a :class:`Job` alone (no I/O): a launchd property list, a
systemd service and timer. Nothing secret goes in them: the job finds its settings where
the user's runs find them (the ``.env`` of its working folder and of the data folder)."""

from __future__ import annotations

import plistlib
import shlex
from dataclasses import dataclass
from datetime import time
from pathlib import Path

LABEL = "org.photos-sync.nightly"  # launchd's name for the job
UNIT = "photos-sync"  # systemd's: photos-sync.service and photos-sync.timer


@dataclass(frozen=True)
class Job:
    """What runs every night, when, and from where."""

    at: time
    command: tuple[str, ...]  # the program and its arguments
    working_dir: Path  # its ./.env is read, as it was when the job was installed
    log_file: Path  # what the job prints (each run also keeps its own log)


def parse_time(text: str) -> time:
    """``HH:MM`` (24-hour clock), as ``--at`` takes it."""
    hours, _, minutes = text.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(f"{text!r} is not a time as HH:MM (for example 03:30)")
    return time(int(hours), int(minutes))  # out of range: ValueError too


def launchd_plist(job: Job) -> bytes:
    """A launchd agent: launchd starts a calendar job missed during sleep once the Mac
    wakes, so a missed night still runs."""
    return plistlib.dumps(
        {
            "Label": LABEL,
            "ProgramArguments": list(job.command),
            "StartCalendarInterval": {"Hour": job.at.hour, "Minute": job.at.minute},
            "WorkingDirectory": str(job.working_dir),
            "StandardOutPath": str(job.log_file),
            "StandardErrorPath": str(job.log_file),
            "ProcessType": "Background",
            "RunAtLoad": False,
        }
    )


def _exec_line(command: tuple[str, ...]) -> str:
    """systemd's own quoting: words with spaces in double quotes, ``%`` and ``$``
    doubled (systemd expands them)."""
    words = []
    for word in command:
        escaped = word.replace("%", "%%").replace("$", "$$")
        needs_quotes = escaped != shlex.quote(escaped) or not escaped
        words.append('"' + escaped.replace('"', '\\"') + '"' if needs_quotes else escaped)
    return " ".join(words)


def _path_value(path: Path) -> str:
    """A path as a setting's whole value: taken as it is (no quotes), ``%`` doubled."""
    return str(path).replace("%", "%%")


def systemd_service(job: Job) -> str:
    then = "" if "--no-backup" in job.command else ", then back it up"
    return (
        "[Unit]\n"
        f"Description=photos-sync: mirror Apple Photos into Immich{then}\n"
        "After=network-online.target\n"
        "\n"
        "[Service]\n"
        "Type=oneshot\n"
        f"WorkingDirectory={_path_value(job.working_dir)}\n"
        f"ExecStart={_exec_line(job.command)}\n"
        f"StandardOutput=append:{_path_value(job.log_file)}\n"
        f"StandardError=append:{_path_value(job.log_file)}\n"
        "Nice=10\n"
    )


def systemd_timer(job: Job) -> str:
    """``Persistent=true``: a night missed while the machine was off or asleep runs when it
    is back."""
    return (
        "[Unit]\n"
        "Description=photos-sync every night\n"
        "\n"
        "[Timer]\n"
        f"OnCalendar=*-*-* {job.at:%H:%M}:00\n"
        "Persistent=true\n"
        f"Unit={UNIT}.service\n"
        "\n"
        "[Install]\n"
        "WantedBy=timers.target\n"
    )


def time_in_timer(text: str) -> time | None:
    """The time of day a timer written by :func:`systemd_timer` runs at."""
    for line in text.splitlines():
        if line.startswith("OnCalendar=*-*-* "):
            return parse_time(line.rsplit(" ", 1)[1][:5])
    return None


def time_in_plist(data: bytes) -> time | None:
    interval = plistlib.loads(data).get("StartCalendarInterval") or {}
    if "Hour" not in interval:
        return None
    return time(int(interval["Hour"]), int(interval.get("Minute", 0)))

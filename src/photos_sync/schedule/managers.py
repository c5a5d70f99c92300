"""Loading the job through the platform's own tool (``launchctl``, ``systemctl --user``):
the one place photos-sync runs them, so tests put stand-ins of the same name on ``PATH``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Protocol

from photos_sync.errors import PhotosSyncError
from photos_sync.schedule.units import (
    LABEL,
    UNIT,
    Job,
    launchd_plist,
    systemd_service,
    systemd_timer,
    time_in_plist,
    time_in_timer,
)

TIMEOUT = 60.0


class ScheduleError(PhotosSyncError):
    """The platform's scheduler is missing or refused the job."""


def _missing(tool: str) -> ScheduleError:
    return ScheduleError(
        f"`{tool}` is not on PATH, so the nightly job cannot be loaded",
        "photos-sync schedules with launchd on macOS and systemd on Linux",
    )


def require_tool(tool: str) -> None:
    """Before anything is written: a job written but never loaded would only mislead."""
    if shutil.which(tool) is None:
        raise _missing(tool)


def run_tool(*command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a scheduler tool; one clear line when it is missing or fails."""
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    except FileNotFoundError:
        raise _missing(command[0]) from None
    if check and done.returncode != 0:
        said = (done.stderr or done.stdout).strip().splitlines()
        raise ScheduleError(
            f"`{' '.join(command[:3])}` failed: {said[-1] if said else done.returncode}"
        )
    return done


@dataclass(frozen=True)
class Installed:
    """What the platform holds of the job."""

    at: time | None  # from the job's own file
    loaded: bool  # the scheduler knows it (and will run it)
    next_run: str | None  # as the scheduler says it, when it says it
    files: tuple[Path, ...]


class Scheduler(Protocol):
    name: str

    def install(self, job: Job) -> list[str]:
        """Write and load the job (replacing any earlier one); notes for the user."""
        ...

    def remove(self) -> bool:
        """Unload and delete the job; False when there was none."""
        ...

    def run_now(self) -> None: ...

    def installed(self) -> Installed | None: ...


class Launchd:
    """A per-user launchd agent in ``~/Library/LaunchAgents``."""

    name = "launchd"

    def __init__(self, home: Path | None = None) -> None:
        self.plist = (home or Path.home()) / "Library" / "LaunchAgents" / f"{LABEL}.plist"
        self.domain = f"gui/{os.getuid()}"

    def install(self, job: Job) -> list[str]:
        require_tool("launchctl")
        self.plist.parent.mkdir(parents=True, exist_ok=True)
        run_tool("launchctl", "bootout", f"{self.domain}/{LABEL}", check=False)
        self.plist.write_bytes(launchd_plist(job))
        run_tool("launchctl", "bootstrap", self.domain, str(self.plist))
        return []

    def remove(self) -> bool:
        if not self.plist.exists():
            return False
        run_tool("launchctl", "bootout", f"{self.domain}/{LABEL}", check=False)
        self.plist.unlink()
        return True

    def run_now(self) -> None:
        run_tool("launchctl", "kickstart", f"{self.domain}/{LABEL}")

    def installed(self) -> Installed | None:
        if not self.plist.exists():
            return None
        loaded = run_tool("launchctl", "print", f"{self.domain}/{LABEL}", check=False)
        at = time_in_plist(self.plist.read_bytes())
        return Installed(at, loaded.returncode == 0, None, (self.plist,))


class Systemd:
    """A systemd user service and timer in ``~/.config/systemd/user``."""

    name = "systemd"

    def __init__(self, config_home: Path | None = None) -> None:
        base = config_home or Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
        folder = base / "systemd" / "user"
        self.service, self.timer = folder / f"{UNIT}.service", folder / f"{UNIT}.timer"

    def install(self, job: Job) -> list[str]:
        require_tool("systemctl")
        self.service.parent.mkdir(parents=True, exist_ok=True)
        self.service.write_text(systemd_service(job))
        self.timer.write_text(systemd_timer(job))
        run_tool("systemctl", "--user", "daemon-reload")
        run_tool("systemctl", "--user", "enable", "--now", self.timer.name)
        return self._linger_hint()

    def _linger_hint(self) -> list[str]:
        user = os.environ.get("USER") or str(os.getuid())
        said = run_tool("loginctl", "show-user", user, "--property=Linger", "--value", check=False)
        if said.returncode == 0 and said.stdout.strip() == "no":
            return [
                "Your user services stop when you log out; to run the job at night anyway: "
                f"loginctl enable-linger {user}"
            ]
        return []

    def remove(self) -> bool:
        if not self.timer.exists() and not self.service.exists():
            return False
        run_tool("systemctl", "--user", "disable", "--now", self.timer.name, check=False)
        self.timer.unlink(missing_ok=True)
        self.service.unlink(missing_ok=True)
        run_tool("systemctl", "--user", "daemon-reload", check=False)
        return True

    def run_now(self) -> None:
        run_tool("systemctl", "--user", "start", "--no-block", self.service.name)

    def installed(self) -> Installed | None:
        if not self.timer.exists():
            return None
        shown = run_tool(
            "systemctl", "--user", "show", self.timer.name,
            "--property=ActiveState,NextElapseUSecRealtime", check=False,
        )  # fmt: skip
        values = dict(line.split("=", 1) for line in shown.stdout.splitlines() if "=" in line)
        return Installed(
            time_in_timer(self.timer.read_text()),
            values.get("ActiveState") == "active",
            values.get("NextElapseUSecRealtime") or None,
            (self.service, self.timer),
        )


def platform_scheduler() -> Scheduler:
    return Launchd() if sys.platform == "darwin" else Systemd()

"""Shared fixtures: library copies, a data folder, the Immich double, the fake ``op``."""

from __future__ import annotations

import gc
import json
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from photos_sync.cli import main
from photos_sync.redact import forget_secrets
from tests.support.fixtures import FIXTURES, LIBRARY_NAMES, copy_library
from tests.support.immich_double import ImmichDouble

pytest_plugins = ["tests.support.backup"]

FAKE_OP_DIR = Path(__file__).parent / "support" / "fake_op"
FAKE_SERVICES_DIR = Path(__file__).parent / "support" / "fake_services"

if not FIXTURES.is_dir():
    raise pytest.UsageError(f"fixture libraries not found at {FIXTURES}")


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test reads the developer's own configuration or data folder."""
    for name in list(os.environ):
        if name.startswith(("IMMICH_", "PHOTOS_", "BACKUP_", "RCLONE_", "OP_", "FAKE_OP")):
            monkeypatch.delenv(name, raising=False)
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home" / ".local" / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home" / ".config"))
    forget_secrets()
    yield
    gc.unfreeze()  # a run freezes what it planned (photos_sync.bulk); its process then ends


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def run_cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., CliResult]:
    """Run ``photos-sync ARGS`` in-process through the real entry point."""

    def run(*args: str) -> CliResult:
        monkeypatch.setattr(sys, "argv", ["photos-sync", *args])
        capsys.readouterr()
        try:
            main()
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        out, err = capsys.readouterr()
        return CliResult(code, out, err)

    return run


def run_json(run_cli: Callable[..., CliResult], *args: str, code: int = 0) -> Any:
    """Run a command with --json; check its exit code; the parsed output."""
    result = run_cli(*args, "--json")
    assert result.exit_code == code, result.stdout + result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="session")
def shared_libraries(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One read-only-use copy of each fixture library for the whole session."""
    root = tmp_path_factory.mktemp("libraries")
    return {name: copy_library(name, root) for name in LIBRARY_NAMES}


@pytest.fixture
def library_copy(tmp_path: Path) -> Callable[[str], Path]:
    """A fresh copy a test may change (its database is private to the test)."""
    return lambda name: copy_library(name, tmp_path / "libs")


@pytest.fixture
def immich() -> Iterator[ImmichDouble]:
    """An Immich double; the test fails if anything exchanged breaks the OpenAPI contract."""
    with ImmichDouble() as double:
        yield double
    assert double.violations == []


@pytest.fixture
def fake_op(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Put the fake ``op`` first on PATH; returns its call log."""
    monkeypatch.setenv("PATH", f"{FAKE_OP_DIR}{os.pathsep}{os.environ['PATH']}")
    log = tmp_path / "op-calls.jsonl"
    monkeypatch.setenv("FAKE_OP_LOG", str(log))
    return log


@pytest.fixture
def services(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """The stand-in launchctl and systemctl first on PATH, a home of the test's own;
    their call log."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("PATH", f"{FAKE_SERVICES_DIR}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_SERVICES_STATE", str(tmp_path / "services.json"))
    log = tmp_path / "service-calls.jsonl"
    monkeypatch.setenv("FAKE_SERVICES_LOG", str(log))
    yield log


@pytest.fixture
def configure(
    immich: ImmichDouble, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[[Path], None]:
    """Point photos-sync at the double, a data folder, and a library."""
    monkeypatch.setenv("IMMICH_URL", immich.url)
    monkeypatch.setenv("IMMICH_API_KEY", immich.add_key(["all"]))
    monkeypatch.setenv("PHOTOS_SYNC_DATA", str(data_dir))
    monkeypatch.setenv("IMMICH_RETRY_WAIT", "0")
    monkeypatch.setenv("IMMICH_TIMEOUT", "5")
    return lambda library: monkeypatch.setenv("PHOTOS_LIBRARY", str(library))

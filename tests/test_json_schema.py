"""What ``--json`` prints is a promise to scripts (issue 32): every key of every command's
output is listed in docs/json.md, and every key listed there is printed. A key renamed,
added or dropped fails here until the page says so too."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from photos_sync.config import settings_file
from tests.conftest import CliResult
from tests.support.backup import setup_local
from tests.support.immich_double import ImmichDouble

DOCS = Path(__file__).parents[1] / "docs" / "json.md"
MEDIA_TYPES = "Test-Media-Types-15.7.2.photoslibrary"
Run = Callable[..., CliResult]
ANY_KEY = "*"  # a map whose keys are data (a reason, a kind), not names


def key_paths(value: Any, prefix: str = "") -> Iterator[str]:
    """Every key of a JSON value as a path: ``library.path``, ``jobs[].status``."""
    if isinstance(value, dict):
        for key, inner in value.items():
            path = f"{prefix}.{key}" if prefix else key
            yield path
            yield from key_paths(inner, path)
    elif isinstance(value, list):
        for item in value:
            yield from key_paths(item, f"{prefix}[]")


def documented() -> dict[str, set[str]]:
    """docs/json.md: each ``## `photos-sync …``` heading, and the backticked keys of its
    table's first column."""
    pages: dict[str, set[str]] = {}
    command = ""
    for line in DOCS.read_text().splitlines():
        heading = re.match(r"^## `photos-sync (.+?)`", line)
        if heading:
            command = heading.group(1)
            pages[command] = set()
        elif command and line.startswith("| `"):
            first_cell = line.split("|")[1]
            pages[command] |= set(re.findall(r"`([^`]+)`", first_cell))
    return pages


def matches(path: str, documented_keys: set[str]) -> bool:
    """``path`` is documented as is, or falls under a documented map of any keys."""
    parts = path.split(".")
    return path in documented_keys or any(
        ".".join([*parts[:i], ANY_KEY]) in documented_keys for i in range(1, len(parts))
    )


def required(key: str, printed: set[str]) -> bool:
    """A documented key must be printed unless it is an item's key of a list printed empty
    (no difference found, no problem left)."""
    if ANY_KEY in key:
        return False
    if "[]" not in key:
        return True
    item = key[: key.rindex("[]") + 2]
    return any(path.startswith(item) for path in printed)


def _settings_into_file() -> None:
    names = ("IMMICH_", "PHOTOS_", "BACKUP_")
    lines = [f"{k}={v}" for k, v in os.environ.items() if k.startswith(names)]
    settings_file().parent.mkdir(parents=True, exist_ok=True)
    settings_file().write_text("\n".join(lines) + "\n")


def _json(run_cli: Run, *args: str, codes: tuple[int, ...] = (0,)) -> Any:
    result = run_cli(*args, "--json")
    assert result.exit_code in codes, result.stdout + result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def printed(
    run_cli: Run,
    configure: Callable[[Path], None],
    library_copy: Callable[[str], Path],
    backup_env: Path,
    immich: ImmichDouble,
    immich_data: Path,
    services: Path,
    tmp_path: Path,
) -> dict[str, Any]:
    """What each reporting command prints with --json, on a library imported into the
    double, whose media folder is backed up to a local folder."""
    immich.state.media_dir = immich_data  # the double makes its database dumps there
    configure(library_copy(MEDIA_TYPES))
    out: dict[str, Any] = {"import": _json(run_cli, "import")}
    out["sync"] = _json(run_cli, "sync")
    out["review"] = _json(run_cli, "review")
    out["doctor"] = _json(run_cli, "doctor", codes=(0, 1))
    out["cleanup"] = _json(run_cli, "cleanup", "--dry-run")
    out["verify"] = _json(run_cli, "verify", codes=(0, 1))
    out["reclassify"] = _json(run_cli, "reclassify", "--full")
    out["report"] = _json(run_cli, "report", "--out", str(tmp_path / "report.html"))
    setup_local(run_cli, backup_env)
    out["backup"] = _json(run_cli, "backup", "--to", "disk")
    out["backup status"] = _json(run_cli, "backup", "status", "--to", "disk")
    out["backup check"] = _json(run_cli, "backup", "check", codes=(0, 1))
    out["backup verify"] = _json(run_cli, "backup", "verify", "--to", "disk")
    restore_to = str(tmp_path / "restored")
    # the double keeps no uploaded file in its media folder: the originals count as lost
    out["restore"] = _json(run_cli, "restore", "--from", "disk", "--to", restore_to, codes=(1,))
    out["restore --drill"] = _json(run_cli, "restore", "--from", "disk", "--drill")
    _settings_into_file()  # the nightly job has no shell: its settings must be in a file
    installed = run_cli("schedule", "install", "--at", "04:00", "--no-backup")
    assert installed.exit_code == 0, installed.stderr
    out["schedule status"] = _json(run_cli, "schedule", "status")
    out["status"] = _json(run_cli, "status")  # last: a backup and a run to show
    return out


def test_every_key_printed_is_documented_and_every_documented_key_printed(
    printed: dict[str, Any],
) -> None:
    pages = documented()
    problems = []
    for command, output in printed.items():
        keys = pages.get(command)
        if keys is None:
            problems.append(f"{command}: no section in docs/json.md")
            continue
        paths = set(key_paths(output))
        problems += [f"{command}: {p} undocumented" for p in paths if not matches(p, keys)]
        problems += [
            f"{command}: {k} documented, not printed" for k in keys - paths if required(k, paths)
        ]
    assert sorted(problems) == []


def test_keys_are_snake_case() -> None:
    for command, keys in documented().items():
        for key in keys:
            for part in filter(None, re.split(r"\.|\[\]", key)):
                assert part == ANY_KEY or re.fullmatch(r"[a-z][a-z0-9_]*", part), (command, key)

"""``photos-sync setup`` and the settings file it writes (issue 32): each answer checked
before anything is written, the key kept where the user keeps it, one precedence order
that ``doctor`` shows."""

from __future__ import annotations

import io
import stat
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from photos_sync.cli.setup import NEXT_STEP
from photos_sync.config import load_settings, origins, settings_file
from tests.conftest import CliResult
from tests.support.backup import write_op_state
from tests.support.immich_double import ImmichDouble

MEDIA_TYPES = "Test-Media-Types-15.7.2.photoslibrary"
REFERENCE = "op://Private/Immich/credential"

Run = Callable[..., CliResult]


@pytest.fixture
def in_1password(
    fake_op: Path, immich: ImmichDouble, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    """An API key of the double kept in the fake 1Password, at :data:`REFERENCE`."""
    key = immich.add_key(["all"], name="laptop")
    state = tmp_path / "op-state.json"
    write_op_state(state, title="Immich", credential=key)
    monkeypatch.setenv("FAKE_OP_STATE", str(state))
    return key


def _setup(run_cli: Run, immich: ImmichDouble, library: Path, *extra: str) -> CliResult:
    return run_cli("setup", "--url", immich.url, "--library", str(library), "--no-input", *extra)


def test_setup_writes_the_reference_not_the_key_and_runs_doctor(
    run_cli: Run,
    immich: ImmichDouble,
    in_1password: str,
    library_copy: Callable[[str], Path],
) -> None:
    library = library_copy(MEDIA_TYPES)
    result = _setup(run_cli, immich, library, "--api-key-ref", REFERENCE)
    assert result.exit_code == 0, result.stdout + result.stderr
    path = settings_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    written = path.read_text()
    assert REFERENCE in written and in_1password not in written
    assert in_1password not in result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert "✓ Immich 3.1.0 at" in lines[0]
    assert "✓ API key 'laptop' accepted" in result.stdout
    assert f"IMMICH_URL from {path}" in result.stdout  # doctor, on the file just written
    assert f"the API key read from 1Password ({REFERENCE})" in result.stdout
    assert "✓ API key: valid (key 'laptop')" in result.stdout
    assert lines[-1] == NEXT_STEP
    # the next commands need nothing else: no variable, no option
    status = run_cli("status")
    assert status.exit_code == 0, status.stderr
    assert str(library) in status.stdout


def test_setup_replaces_a_settings_file_only_when_told(
    run_cli: Run,
    immich: ImmichDouble,
    in_1password: str,
    library_copy: Callable[[str], Path],
) -> None:
    library = library_copy(MEDIA_TYPES)
    path = settings_file()
    path.parent.mkdir(parents=True)
    path.write_text("IMMICH_URL=http://old:2283\n")
    refused = _setup(run_cli, immich, library, "--api-key-ref", REFERENCE)
    assert refused.exit_code == 2
    assert "already exists. Run `photos-sync setup --force`" in refused.stderr
    assert path.read_text() == "IMMICH_URL=http://old:2283\n"
    replaced = _setup(run_cli, immich, library, "--api-key-ref", REFERENCE, "--force")
    assert replaced.exit_code == 0, replaced.stderr
    assert load_settings().immich_url == immich.url


def test_a_key_given_on_stdin_is_checked_and_kept_private(
    run_cli: Run,
    immich: ImmichDouble,
    library_copy: Callable[[str], Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    library = library_copy(MEDIA_TYPES)
    monkeypatch.setattr(sys, "stdin", io.StringIO("not-a-key\n"))
    refused = _setup(run_cli, immich, library, "--api-key-stdin")
    assert refused.exit_code != 0 and not settings_file().exists()  # nothing written
    assert "not-a-key" not in refused.stdout + refused.stderr
    key = immich.add_key(["asset.read"], name="narrow")
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{key}\n"))
    result = _setup(run_cli, immich, library, "--api-key-stdin")
    assert key not in result.stdout + result.stderr
    assert f"IMMICH_API_KEY='{key}'" in settings_file().read_text()
    assert "the key itself is in it" in result.stdout
    assert "! The key lacks asset.upload" in result.stderr  # said, and doctor fails on it
    assert result.exit_code == 1


@pytest.mark.parametrize(
    ("given", "missing"),
    [((), "--url"), (("--url", "URL"), "--api-key-ref")],
    ids=["address", "key"],
)
def test_setup_without_input_names_the_option_missing(
    run_cli: Run, immich: ImmichDouble, given: tuple[str, ...], missing: str
) -> None:
    args = [immich.url if arg == "URL" else arg for arg in given]
    result = run_cli("setup", "--no-input", *args)
    assert result.exit_code == 2
    assert f"Give it with {missing}" in result.stderr
    assert not settings_file().exists()


def test_one_precedence_order_and_doctor_shows_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli: Run
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / ".env").write_text(
        "IMMICH_URL=http://data:1\nIMMICH_TIMEOUT=7\nIMMICH_RETRIES=9\nBACKUP_MAX_RETRIES=8\n"
    )
    path = settings_file()
    path.parent.mkdir(parents=True)
    path.write_text(f"PHOTOS_SYNC_DATA={data}\nIMMICH_URL=http://config:1\nIMMICH_TIMEOUT=6\n")
    Path(".env").write_text("IMMICH_URL=http://cwd:1\n")
    monkeypatch.setenv("IMMICH_INSTANCE_URL", "http://environment:1")
    settings = load_settings()
    assert settings.data_dir == data  # the data folder named by the settings file
    assert settings.immich_url == "http://environment:1"  # the CLI's name, from outside
    assert settings.immich_timeout == 6  # the settings file over the data folder's
    assert settings.backup_max_retries == 8
    assert load_settings(url="http://option:1").immich_url == "http://option:1"
    assert origins() == {
        "IMMICH_URL": "the environment",
        "IMMICH_TIMEOUT": str(path),
        "IMMICH_RETRIES": str(data / ".env"),
        "BACKUP_MAX_RETRIES": str(data / ".env"),
        "PHOTOS_SYNC_DATA": str(path),
    }
    doctor = run_cli("doctor", "--url", "http://127.0.0.1:9")
    assert "IMMICH_URL from the command line" in doctor.stdout
    assert f"PHOTOS_SYNC_DATA from {path}" in doctor.stdout
    assert "strongest first: command-line options, then the environment" in doctor.stdout


def test_a_reference_op_cannot_read_is_one_clear_line(
    run_cli: Run,
    immich: ImmichDouble,
    in_1password: str,
    library_copy: Callable[[str], Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("IMMICH_URL", immich.url)
    monkeypatch.setenv("PHOTOS_LIBRARY", str(library_copy(MEDIA_TYPES)))
    monkeypatch.setenv("IMMICH_API_KEY", "op://Private/Immich/no-such-field")
    doctor = run_cli("doctor")
    assert "✗ API key: 1Password could not read op://Private/Immich/no-such-field" in (
        doctor.stdout
    )
    synced = run_cli("sync")
    assert synced.exit_code == 1
    assert synced.stderr.startswith("Error: 1Password could not read")
    assert "Traceback" not in synced.stderr
    monkeypatch.setenv("FAKE_OP_MODE", "signed_out")
    signed_out = run_cli("sync")
    assert "1Password CLI is not signed in. Run `op signin`" in signed_out.stderr
    monkeypatch.setenv("IMMICH_API_KEY", "op://Private/Immich")
    malformed = run_cli("status")
    assert malformed.exit_code == 2
    assert "IMMICH_API_KEY: a 1Password reference is op://vault/item/field" in malformed.stderr

"""The first hour (issue 32), as the README's first screen tells it, against a real Immich
3.1.0: `setup` with the key in (a stand-in of) 1Password, `doctor`, `import --dry-run`, the
first few photos, then `sync` for the rest; no setting in the environment, no option after
`setup`: every command finds its settings in the file `setup` wrote."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from photos_sync.cli.setup import NEXT_STEP
from photos_sync.config import settings_file
from tests.conftest import CliResult
from tests.e2e.server import RealImmich, all_assets
from tests.support.backup import write_op_state

Run = Callable[..., CliResult]
TEST_26 = "Test-26.1.photoslibrary"
REFERENCE = "op://Private/Immich/credential"
FIRST = 5  # the README says 100; the fixture library holds 14


def _on_server(real_immich: RealImmich, key: str) -> int:
    with real_immich.api(key) as client:
        return sum(1 for asset in all_assets(client) if not asset.get("isTrashed"))


def test_from_setup_to_a_synced_library_with_the_readme_alone(
    run_cli: Run,
    real_immich: RealImmich,
    fake_op: Path,
    library_copy: Callable[[str], Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key = real_immich.new_user()
    state = tmp_path / "op-state.json"
    write_op_state(state, title="Immich", credential=key)
    monkeypatch.setenv("FAKE_OP_STATE", str(state))
    library = library_copy(TEST_26)

    made = run_cli(
        "setup",
        "--url",
        real_immich.url,
        "--library",
        str(library),
        "--api-key-ref",
        REFERENCE,
        "--no-input",
    )
    assert made.exit_code == 0, made.stdout + made.stderr
    assert made.stdout.splitlines()[-1] == NEXT_STEP
    assert key not in settings_file().read_text() + made.stdout + made.stderr

    doctor = json.loads(run_cli("doctor", "--json").stdout)
    failing = [c for c in doctor if not c["ok"] and c["required"]]
    assert failing == []
    assert f"IMMICH_URL from {settings_file()}" in doctor[0]["detail"]

    dry = run_cli("import", "--dry-run", "--json")
    assert dry.exit_code == 0, dry.stderr
    assert _on_server(real_immich, key) == 0  # a dry run sends nothing

    first = json.loads(run_cli("import", "--limit", str(FIRST), "--json").stdout)
    assert first["imported"] == FIRST
    assert _on_server(real_immich, key) == FIRST

    synced = run_cli("sync", "--json")
    assert synced.exit_code == 0, synced.stderr
    status = json.loads(run_cli("status", "--json").stdout)
    assert status["to_import"]["pending"] == 0
    imported = status["tracker"]["imported"]
    assert imported > FIRST
    assert _on_server(real_immich, key) == imported

"""The original tool's recommended Immich storage template: doctor says whether it is on,
``doctor --apply-recommended`` turns it on, refusing where a config file rules (issue 15,
part 4)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from photos_sync.workflow.doctor import RECOMMENDED_TEMPLATE
from tests.conftest import CliResult
from tests.support.immich_double import ImmichDouble
from tests.support.outcomes import assert_one_clear_line, doctor_check

Run = Callable[..., CliResult]
TEST_26 = "Test-26.1.photoslibrary"


def _template_check(run_cli: Run) -> dict[str, object]:
    return doctor_check(run_cli, "Storage template")


def test_doctor_names_the_template_and_apply_recommended_turns_it_on(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
) -> None:
    configure(shared_libraries[TEST_26])
    before = _template_check(run_cli)
    assert before["ok"] is False and before["required"] is False  # advice, not a failure
    assert "off, '{{y}}/{{y}}-{{MM}}-{{dd}}/{{filename}}'" in str(before["detail"])
    assert "--apply-recommended" in str(before["fix"])
    other = dict(immich.state.system_config["trash"])
    done = run_cli("doctor", "--apply-recommended")
    assert done.exit_code == 0 and "Storage template on" in done.stdout
    held = immich.state.system_config["storageTemplate"]
    assert held == {
        "enabled": True,
        "hashVerificationEnabled": True,
        "template": RECOMMENDED_TEMPLATE,
    }
    assert immich.state.system_config["trash"] == other  # nothing else changed
    assert _template_check(run_cli)["ok"] is True
    assert immich.state.system_config["metadata"]["faces"]["import"] is True
    assert "Face import on" in done.stdout
    again = run_cli("doctor", "--apply-recommended")
    assert "already on; nothing changed" in again.stdout


def test_a_config_file_server_is_refused_with_the_snippet_to_paste(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
) -> None:
    configure(shared_libraries[TEST_26])
    immich.state.config_file = True
    refused = run_cli("doctor", "--apply-recommended")
    assert refused.exit_code == 2
    assert_one_clear_line(refused, "config file (IMMICH_CONFIG_FILE)", RECOMMENDED_TEMPLATE)
    assert immich.state.system_config["storageTemplate"]["enabled"] is False


def test_a_key_that_may_not_read_the_settings_is_told_so(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configure(shared_libraries[TEST_26])
    monkeypatch.setenv("IMMICH_API_KEY", immich.add_key(["asset.read", "apiKey.read"]))
    check = _template_check(run_cli)
    assert check["ok"] is False and check["required"] is False
    assert "could not check: reading it needs an admin key" in str(check["detail"])
    refused = run_cli("doctor", "--apply-recommended")
    assert refused.exit_code != 0
    assert_one_clear_line(refused, "not allowed")


def test_doctor_says_whether_immich_imports_faces_from_sidecars(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
) -> None:
    """Issue 29: with face import on, a new upload's faces ride in its sidecar; off, each
    is a request after it. Read from /server/features, which any key may ask."""
    configure(shared_libraries[TEST_26])

    off = doctor_check(run_cli, "Face import")
    assert off["ok"] is False and off["required"] is False
    assert "--apply-recommended" in str(off["fix"])
    immich.state.system_config["metadata"]["faces"]["import"] = True
    assert doctor_check(run_cli, "Face import")["ok"] is True

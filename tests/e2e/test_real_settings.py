"""The recommended storage template against a real Immich 3.1.0: doctor reads the server's
settings with an admin key; the kit's server takes them from a config file, so
``--apply-recommended`` must refuse, print what to paste, and change nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from photos_sync.workflow.doctor import RECOMMENDED_TEMPLATE
from tests.conftest import CliResult
from tests.e2e.server import RealImmich
from tests.support.outcomes import assert_one_clear_line

Run = Callable[..., CliResult]


def test_doctor_reads_the_template_and_a_config_file_server_is_not_changed(
    run_cli: Run, real_immich: RealImmich, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IMMICH_URL", real_immich.url)
    monkeypatch.setenv("IMMICH_API_KEY", real_immich.admin_key)
    monkeypatch.setenv("PHOTOS_SYNC_DATA", str(data_dir))
    with real_immich.api(real_immich.admin_key) as admin:
        before = admin.get("/system-config").json()["storageTemplate"]
        from_file = admin.get("/server/features").json()["configFile"]
    checks = json.loads(run_cli("doctor", "--json").stdout)
    template = next(c for c in checks if c["check"] == "Storage template")
    assert before["template"] in template["detail"]
    assert template["ok"] == (before["enabled"] and before["template"] == RECOMMENDED_TEMPLATE)
    result = run_cli("doctor", "--apply-recommended")
    with real_immich.api(real_immich.admin_key) as admin:
        after = admin.get("/system-config").json()["storageTemplate"]
    if from_file:
        assert_one_clear_line(result, "IMMICH_CONFIG_FILE", RECOMMENDED_TEMPLATE)
        assert after == before
    else:  # a server configured through its API takes it
        assert result.exit_code == 0 and after["template"] == RECOMMENDED_TEMPLATE

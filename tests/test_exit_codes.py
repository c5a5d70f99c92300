"""docs/exit-codes.md is true: each code it lists is what photos-sync exits with in that
case (130 and 143, the signals, in tests/test_signals.py), and no error class exits with a
code the page does not list."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from photos_sync import errors
from photos_sync.track.lock import DataDirLock
from tests.conftest import CliResult
from tests.support.immich_double import ImmichDouble

Run = Callable[..., CliResult]
PAGE = Path(__file__).parent.parent / "docs" / "exit-codes.md"
TEST_26 = "Test-26.1.photoslibrary"


def documented() -> set[int]:
    return {int(code) for code in re.findall(r"^\| (\d+) \|", PAGE.read_text(), re.M)}


def test_the_page_lists_every_code_an_error_can_have() -> None:
    codes = {
        kind.exit_code
        for kind in vars(errors).values()
        if isinstance(kind, type) and issubclass(kind, errors.PhotosSyncError)
    }
    assert codes <= documented()
    assert documented() == {0, 1, 2, 3, 4, 5, 130, 143}
    signals = (Path(__file__).parent / "test_signals.py").read_text()
    assert "143" in signals and "130" in signals


def _library_changed(run_cli: Run, library_copy: Callable[[str], Path]) -> CliResult:
    assert run_cli("sync").exit_code == 0
    return run_cli("--library", str(library_copy("Test-Media-Types-15.7.2.photoslibrary")), "sync")


@pytest.mark.parametrize("code", [0, 1, 2, 3, 4, 5])
def test_each_code_happens_as_the_page_says(
    code: int,
    run_cli: Run,
    shared_libraries: dict[str, Path],
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configure(shared_libraries[TEST_26])
    if code == 0:
        result = run_cli("status")
    elif code == 1:  # an asset that failed
        immich.fail_next(1, 400, operation="uploadAsset")
        result = run_cli("import")
    elif code == 2:
        result = run_cli("status", "--bogus")
    elif code == 3:
        with DataDirLock(data_dir, "import"):
            result = run_cli("sync")
    elif code == 4:
        monkeypatch.setenv("IMMICH_API_KEY", "not-a-key")
        result = run_cli("sync")
    else:
        result = _library_changed(run_cli, library_copy)
    assert result.exit_code == code, result.stdout + result.stderr
    assert "Traceback" not in result.stderr

"""Trust, what the user is told (issue 12, cases 7-10, 15, 16 and the runs table): no secret
in any output, a private data folder, and one clear line for every failure a user meets."""

from __future__ import annotations

import errno
import json
import os
import plistlib
import sqlite3
import stat
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from photos_sync.source import catalog
from tests.conftest import CliResult, run_json
from tests.support.fixtures import open_for_edit
from tests.support.immich_double import ImmichDouble
from tests.support.immich_double.server import Fault
from tests.support.outcomes import assert_one_clear_line, import_json, tracker_rows

Run = Callable[..., CliResult]
TEST_26 = "Test-26.1.photoslibrary"
PUMPKINS = "1EB2B765-0765-43BA-A90C-0D0580E6172C"
PROXY_502 = "<html><head><title>502 Bad Gateway</title></head><body>" + "x" * 3000 + "</body>"


def _everything_written(data_dir: Path) -> bytes:
    return b"".join(p.read_bytes() for p in data_dir.rglob("*") if p.is_file())


def test_case_07_secrets_echoed_by_a_server_or_in_the_url_are_never_shown(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configure(shared_libraries[TEST_26])
    key = os.environ["IMMICH_API_KEY"]
    password = "hunter2-proxy-pass"
    monkeypatch.setenv("IMMICH_URL", immich.url.replace("://", f"://me:{password}@"))
    outputs: list[str] = []
    for args in (("sync", "--json"), ("doctor",), ("doctor", "--json"), ("status", "--json")):
        result = run_cli(*args)
        outputs += [result.stdout, result.stderr]
    assert len(immich.state.assets) == 10  # the key and URL worked
    echo = Fault("proxy", status=401, body="invalid key: {key}", content_type="text/plain")
    for args in (("--debug", "import"), ("sync", "--json"), ("doctor", "--json")):
        immich.inject(echo, count=3)
        result = run_cli(*args)
        assert result.exit_code != 0 or "doctor" in args
        outputs += [result.stdout, result.stderr]
    for text in outputs:
        assert key not in text and password not in text
    assert f"…{key[-4:]}" in "".join(outputs)  # the key is named by its last four characters
    written = _everything_written(data_dir)
    assert key.encode() not in written and password.encode() not in written


def test_case_08_the_data_folder_and_its_files_are_made_private(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    data_dir: Path,
) -> None:
    configure(shared_libraries[TEST_26])
    data_dir.mkdir(mode=0o755)
    data_dir.chmod(0o755)
    log = data_dir / "backup.log"
    log.write_text("library/admin/2024/IMG_0001.jpg\n")
    log.chmod(0o644)
    result = run_cli("import")
    assert result.exit_code == 0, result.stderr
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    for path in data_dir.rglob("*"):
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path
    assert "private" in result.stderr and "0755" in result.stderr
    again = run_cli("import")
    assert "private" not in again.stderr


def test_case_09_one_unreadable_folder_fails_only_its_assets(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configure(shared_libraries[TEST_26])
    library = shared_libraries[TEST_26]
    locked = str((library / "originals" / "1").resolve())
    real_stat = os.stat

    def guarded_stat(path: object, *args: object, **kwargs: object) -> os.stat_result:
        if str(path).startswith(locked + os.sep) or str(path).startswith(
            str(library / "originals" / "1") + os.sep
        ):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_stat(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "stat", guarded_stat)
    summary = import_json(run_cli, code=1)
    assert summary["uploaded"] == 9
    assert summary["failed_by_reason"] == {"cannot read the file: Permission denied": 1}
    assert tracker_rows(data_dir)[PUMPKINS]["status"] == "failed"


@pytest.mark.parametrize(
    ("version", "refused"),
    [((1, 106, 0), True), ((1, 140, 0), True), ((2, 7, 5), True), ((4, 0, 0), False)],
)
def test_case_10_the_server_version_is_checked(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    version: tuple[int, int, int],
    refused: bool,
) -> None:
    with ImmichDouble(version=version) as server:
        monkeypatch.setenv("IMMICH_URL", server.url)
        monkeypatch.setenv("IMMICH_API_KEY", server.add_key(["all"]))
        monkeypatch.setenv("PHOTOS_SYNC_DATA", str(data_dir))
        monkeypatch.setenv("PHOTOS_LIBRARY", str(shared_libraries[TEST_26]))
        shown = "{}.{}.{}".format(*version)
        doctor = run_json(run_cli, "doctor", code=1 if refused else 0)
        server_check = next(c for c in doctor if c["check"] == "Immich server")
        result = run_cli("import")
        if refused:
            assert not server_check["ok"] and "3.0" in server_check["detail"]
            assert_one_clear_line(result, f"Immich {shown}", "3.0 or newer")
            assert server.state.assets == {}
        else:
            assert server_check["ok"] and "newer than" in server_check["detail"]
            assert result.exit_code == 0 and "newer than" in result.stderr


def test_case_15_binary_env_file_is_one_clear_line(run_cli: Run) -> None:
    Path(".env").write_bytes(b"IMMICH_URL=\xff\xfe\x00garbage\n")
    assert_one_clear_line(run_cli("status"), ".env", "not text", quiet=True)


@pytest.mark.parametrize(
    ("name", "value"),
    [("IMMICH_TIMEOUT", "nan"), ("IMMICH_RETRY_WAIT", "inf"), ("IMMICH_TIMEOUT", "1e9")],
)
def test_case_15_numbers_are_bounded(
    run_cli: Run, monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    assert_one_clear_line(run_cli("status"), name, quiet=True)


def test_case_15_a_tracker_locked_by_another_program(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    data_dir: Path,
) -> None:
    configure(shared_libraries[TEST_26])
    assert run_cli("reclassify").exit_code == 0
    with closing(sqlite3.connect(data_dir / "tracker.db", isolation_level=None)) as other:
        other.execute("BEGIN EXCLUSIVE")  # e.g. a database browser holding a write
        result = run_cli("reclassify")
        other.execute("ROLLBACK")
    assert_one_clear_line(result, "tracker", "another program")


def test_case_15_an_unknown_photos_model_version_says_so(
    run_cli: Run, library_copy: Callable[[str], Path], configure: Callable[[Path], None]
) -> None:
    library = library_copy(TEST_26)
    with closing(open_for_edit(library)) as connection, connection:
        plist = connection.execute("SELECT Z_PLIST FROM Z_METADATA").fetchone()[0]
        data = plistlib.loads(plist)
        data["PLModelVersion"] = 20000  # between known versions
        connection.execute("UPDATE Z_METADATA SET Z_PLIST = ?", (plistlib.dumps(data),))
    configure(library)
    assert_one_clear_line(run_cli("import"), "Unsupported Photos version", "20000")


def test_case_15_invalid_utf8_in_a_title_is_read_with_replacement(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
) -> None:
    library = library_copy(TEST_26)
    with closing(open_for_edit(library)) as connection, connection:
        connection.execute(
            "UPDATE ZGENERICALBUM SET ZTITLE = CAST(X'416C62756D20FF' AS TEXT)"
            " WHERE ZKIND = 2 AND Z_PK = (SELECT MIN(Z_PK) FROM ZGENERICALBUM WHERE ZKIND = 2)"
        )
    configure(library)
    summary = import_json(run_cli)
    assert summary["uploaded"] == 10
    assert any(a.name == "Album \ufffd" for a in immich.state.albums.values())


def test_case_15_an_unreadable_photos_database_is_not_told_to_repair(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configure(shared_libraries[TEST_26])

    def refused(database: Path) -> sqlite3.Connection:
        raise sqlite3.OperationalError("unable to open database file")

    real_access = os.access
    monkeypatch.setattr(catalog, "_connect_read_only", refused)
    monkeypatch.setattr(
        os,
        "access",
        lambda p, m, **k: False if str(p).endswith("Photos.sqlite") else real_access(p, m, **k),
    )
    result = run_cli("import")
    assert_one_clear_line(result, "permission")
    assert "repair it in Photos" not in result.stderr


def test_case_15_a_proxy_error_page_is_summarised(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configure(shared_libraries[TEST_26])
    monkeypatch.setenv("IMMICH_RETRIES", "1")
    immich.inject(
        Fault("proxy", status=413, body="<html>" + "y" * 3000 + "</html>", operation="uploadAsset")
    )
    immich.inject(Fault("proxy", status=502, body=PROXY_502, operation="uploadAsset"))
    summary = import_json(run_cli, code=1)
    reasons = " ".join(summary["failed_by_reason"])
    assert "client_max_body_size" in reasons and "502 Bad Gateway" in reasons
    assert "<html>" not in reasons and "yyyy" not in reasons
    for row in tracker_rows(data_dir).values():
        assert "<html>" not in (row["error_reason"] or "")


@pytest.mark.parametrize("content", [b"garbage, not a database", b"newer"])
def test_case_15_doctor_fails_a_garbage_or_newer_tracker(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    data_dir: Path,
    content: bytes,
) -> None:
    configure(shared_libraries[TEST_26])
    data_dir.mkdir()
    if content == b"newer":
        with closing(sqlite3.connect(data_dir / "tracker.db")) as connection:
            connection.execute("PRAGMA user_version = 99")
    else:
        (data_dir / "tracker.db").write_bytes(content * 100)
    doctor = run_json(run_cli, "doctor", code=1)
    tracker = next(c for c in doctor if c["check"] == "Tracker")
    assert not tracker["ok"]


def test_case_15_https_to_a_plain_http_port_says_so(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configure(shared_libraries[TEST_26])
    monkeypatch.setenv("IMMICH_URL", immich.url.replace("http://", "https://"))
    monkeypatch.setenv("IMMICH_RETRIES", "1")
    assert_one_clear_line(run_cli("import"), "https://", "http://")


def test_case_16_full_disk_access_is_named(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configure(shared_libraries[TEST_26])

    def not_permitted(database: Path) -> sqlite3.Connection:
        raise PermissionError(errno.EPERM, "Operation not permitted", str(database))

    monkeypatch.setattr(catalog, "_connect_read_only", not_permitted)
    for args in (("import",), ("status",)):
        assert_one_clear_line(run_cli(*args), "Full Disk Access", "Privacy & Security")
    doctor = run_json(run_cli, "doctor", code=1)
    library = next(c for c in doctor if c["check"] == "Photos library")
    assert "Full Disk Access" in library["detail"] + (library["fix"] or "")


def test_a_run_that_fails_is_recorded_as_failed(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configure(shared_libraries[TEST_26])
    monkeypatch.setenv("IMMICH_RETRIES", "1")
    immich.fail_next(1, 503, operation="checkBulkUpload")
    result = run_cli("sync")
    assert result.exit_code != 0
    status = run_json(run_cli, "status")
    assert status["last_run"]["outcome"] == "failed"
    assert "503" in json.dumps(status["last_run"]["summary"])

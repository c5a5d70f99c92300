"""The command line as a user meets it: help, version, the installed entry point."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from photos_sync import __version__
from tests.conftest import CliResult
from tests.support.immich_double import ImmichDouble

Run = Callable[..., CliResult]


def test_version(run_cli: Run) -> None:
    result = run_cli("--version")
    assert result.exit_code == 0 and result.stdout.strip() == f"photos-sync {__version__}"


def test_no_arguments_shows_help(run_cli: Run) -> None:
    result = run_cli()
    assert "Usage: photos-sync" in result.stdout + result.stderr
    for command in (
        "status",
        "import",
        "sync",
        "cleanup",
        "reclassify",
        "review",
        "verify",
        "backup",
        "restore",
        "doctor",
    ):
        assert command in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("command", "flags"),
    [
        ("status", ["--json"]),
        ("reclassify", ["--dry-run", "--full", "--repair", "--repair-limit", "--json"]),
        ("doctor", ["--json"]),
        (
            "import",
            [
                "--dry-run",
                "--include-cloud",
                "--skip-local-check",
                "--limit",
                "--concurrency",
                "--delay",
                "--repair-paired-videos",
                "--repair-cinematic",
                "--again",
                "--hidden-as",
                "--album-prefix",
                "--with-edits",
                "--json",
            ],
        ),
        ("sync", ["--dry-run", "--concurrency", "--json"]),
        ("cleanup", ["--dry-run", "--force"]),
        (
            "review",
            [
                "--failed-only",
                "--skipped-only",
                "--export",
                "--retry",
                "--delete",
                "--dry-run",
                "--include-cloud",
                "--limit",
            ],
        ),
        ("verify", ["--deep", "--fix", "--json"]),
        (
            "backup",
            ["--to", "--dry-run", "--force", "--allow-deletions", "check", "setup", "status"],
        ),
        ("backup check", []),
        ("backup setup", ["--to", "--type", "--bucket", "--remote-path", "--yes"]),
        ("backup status", ["--to"]),
        ("backup verify", ["--to", "--sample"]),
        ("backup reset", ["--to"]),
        ("restore", ["--to", "--from", "--path", "--force"]),
        ("schedule install", ["--at", "--no-backup", "--backup-to"]),
    ],
)
def test_every_command_explains_itself(run_cli: Run, command: str, flags: list[str]) -> None:
    result = run_cli(*command.split(), "--help")
    assert result.exit_code == 0
    for flag in flags:
        assert flag in result.stdout
    assert len(result.stdout.split("\n\n")[1].strip()) > 30  # a real description


def test_unknown_option_is_a_usage_error(run_cli: Run) -> None:
    result = run_cli("status", "--bogus")
    assert result.exit_code == 2
    assert "No such option '--bogus'" in result.stderr


def test_the_roots_options_may_follow_the_command(
    run_cli: Run, shared_libraries: dict[str, Path], tmp_path: Path
) -> None:
    """Issue 32: `photos-sync status --library X` said "No such option: --library"; a user
    types options after the command. Both places give the same answer."""
    library = str(shared_libraries["Test-26.1.photoslibrary"])
    data = str(tmp_path / "data")
    before = run_cli("--library", library, "--data-dir", data, "status", "--json")
    after = run_cli("status", "--json", f"--library={library}", "--data-dir", data, "--debug")
    assert before.exit_code == after.exit_code == 0, after.stderr
    assert json.loads(before.stdout)["library"] == json.loads(after.stdout)["library"]
    nested = run_cli("backup", "status", "--library", library, "--data-dir", data)
    assert "No such option" not in nested.stderr


def test_hoisting_leaves_the_commands_own_words_alone() -> None:
    from photos_sync.cli.commands import hoisted

    values = {"--library": True, "--debug": False}
    assert hoisted(["--library", "status", "sync"], values) == ["--library", "status", "sync"]
    assert hoisted(["import", "--album", "x", "--debug"], values) == [
        "--debug",
        "import",
        "--album",
        "x",
    ]
    assert hoisted(["ignore", "--", "--library", "a"], values) == [
        "ignore",
        "--",
        "--library",
        "a",
    ]


def test_installed_entry_point_runs_as_a_real_process(tmp_path: Path) -> None:
    executable = Path(sys.executable).parent / "photos-sync"
    assert executable.exists() or shutil.which("photos-sync")
    result = subprocess.run(
        [str(executable), "--library", str(tmp_path / "missing.photoslibrary"), "status"],
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("Error: Photos library not found")
    assert "Traceback" not in result.stderr


ANOTHER_COMMANDS_WORK = (
    "photos_sync.cli.backup",
    "photos_sync.workflow.backup",
    "photos_sync.backup.runner",
    "photos_sync.cli.review",
    "photos_sync.report.render",
    "photos_sync.cli.schedule",
)


def _imported_for(command: str) -> set[str]:
    """The modules a fresh interpreter has imported once the command's module is loaded."""
    code = (
        "import sys\n"
        "from photos_sync.cli import app\n"
        "try:\n"
        f"    app([{command!r}, '--help'], standalone_mode=False)\n"
        "finally:\n"
        "    print(*sorted(name for name, module in sys.modules.items() if module))\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return set(ran.stdout.split())


def test_a_command_imports_only_what_it_runs() -> None:
    """The nightly sync does not pay for importing backup, review or report (each command
    module is imported when its command runs: all of them cost most of a second)."""
    imported = _imported_for("sync")
    assert "photos_sync.cli.sync" in imported
    assert imported.isdisjoint(ANOTHER_COMMANDS_WORK), imported & set(ANOTHER_COMMANDS_WORK)


def test_the_command_line_starts_without_pydantic() -> None:
    """pydantic costs a tenth of a second of every start (typer 0.29 loaded it to check
    options, which is one reason the command line is plain click): nothing may bring it
    back."""
    assert "pydantic" not in _imported_for("sync")


def test_the_http_client_comes_without_its_own_command_line() -> None:
    """httpx imports its command line (rich's syntax colouring and more) whenever click is
    installed, as it is for ours: 40 ms of every start that talks to Immich, for nothing."""
    imported = _imported_for("sync")
    assert "photos_sync.immich.client" in imported and "httpx" in imported
    assert "httpx._main" not in imported and "pygments" not in imported


@pytest.mark.parametrize(
    ("command", "workflow"),
    [
        ("backup", "backup"),
        ("restore", "backup"),
        ("reclassify", "reclassify"),
        ("status", "status"),
        ("report", "report"),
    ],
)
def test_a_command_that_may_not_talk_to_immich_imports_no_http_client(
    command: str, workflow: str
) -> None:
    """httpx is a tenth of a second of a start. A backup talks to Immich only to ask for a
    dump, and a reclassify only with --repair; they import it then (Workspace.immich_client).
    status and report read the library and the tracker, never the server."""
    imported = _imported_for(command)
    assert f"photos_sync.workflow.{workflow}" in imported
    assert "httpx" not in imported and "photos_sync.immich.client" not in imported


def test_the_server_may_be_given_as_an_option_after_the_command(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 32: `--url` beats IMMICH_URL, before or after the command."""
    configure(shared_libraries["Test-26.1.photoslibrary"])
    monkeypatch.setenv("IMMICH_URL", "http://127.0.0.1:9")  # nobody there
    result = run_cli("import", "--dry-run", "--url", immich.url)
    assert result.exit_code == 0, result.stderr
    assert "Would upload" in result.stdout


def test_ignore_and_report_answer_in_json(
    run_cli: Run,
    shared_libraries: dict[str, Path],
    configure: Callable[[Path], None],
    immich: ImmichDouble,
    tmp_path: Path,
) -> None:
    """Issue 32: `--json` was missing on `ignore` and `report`; their keys are snake_case."""
    configure(shared_libraries["Test-26.1.photoslibrary"])
    assert run_cli("reclassify").exit_code == 0
    uuid = "6191423D-8DB8-4D4C-92BE-9BBBA308AAC4"
    ignored = run_cli("ignore", uuid, "NO-SUCH-UUID", "--json")
    assert ignored.exit_code == 1
    assert json.loads(ignored.stdout) == {
        "undo": False,
        "done": [uuid],
        "not_done": ["NO-SUCH-UUID"],
    }
    written = run_cli("report", "--out", str(tmp_path / "r.html"), "--json")
    assert written.exit_code == 0, written.stderr
    answer = json.loads(written.stdout)
    assert answer["report"] == str(tmp_path / "r.html") and answer["assets"] > 0
    assert set(answer) == {"report", "assets", "problems"}

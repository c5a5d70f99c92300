"""A second real Immich, brought back from a backup: the kit folder named by
``PHOTOS_SYNC_E2E_SECOND_DIR`` (set up by ``.ci/run`` with its own ports), emptied, its
database loaded from a dump as Immich's own restore guide does (``psql``, with the guide's
``search_path`` fix), its media folder the restored files; then started."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
from pathlib import Path

from tests.e2e.server import _read_env

# The kit beside the checkout (never part of the project); .ci/run names it.
KIT = Path(
    os.environ.get("PHOTOS_SYNC_E2E_KIT")
    or Path(__file__).resolve().parents[3] / "shared" / "immich" / "real"
)  # read at import, before the tests' environment is emptied
SKIP_REASON = (
    "no second Immich kit folder: set PHOTOS_SYNC_E2E_SECOND_DIR to a folder set up by the "
    "real-Immich kit with its own ports (.ci/run does)"
)
SEARCH_PATH = (
    "SELECT pg_catalog.set_config('search_path', '', false);",
    "SELECT pg_catalog.set_config('search_path', 'public, pg_catalog', true);",
)


def second_dir() -> Path | None:
    folder = os.environ.get("PHOTOS_SYNC_E2E_SECOND_DIR")
    if folder and (Path(folder) / "etc" / "server.env").is_file() and KIT.is_dir():
        return Path(folder)
    return None


def _kit(script: str, folder: Path) -> None:
    env = {**os.environ, "SKIP_APT": "1"}
    subprocess.run([str(KIT / script), str(folder)], check=True, capture_output=True, env=env)


def restart(folder: Path) -> None:
    """Stop and start a kit's server: how it reads its settings file again."""
    _kit("stop.sh", folder)
    _kit("start.sh", folder)


def empty(folder: Path) -> Path:
    """Stopped, with no database and no files; the media folder to restore into."""
    _kit("stop.sh", folder)
    for part in ("pgdata", "library", "redis"):
        shutil.rmtree(folder / part, ignore_errors=True)
    (folder / "library").mkdir()
    _kit("setup.sh", folder)  # a new, empty database cluster; nothing is rebuilt
    return folder / "library"


def start_from(folder: Path, dump: Path) -> str:
    """Load the dump into an empty ``immich`` database, start Immich; its URL."""
    env = _read_env(folder / "etc" / "server.env")
    pg_bin = Path("/usr/lib/postgresql") / (folder / "etc" / "pg_major").read_text().strip() / "bin"
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
    subprocess.run(
        [*as_postgres, str(pg_bin / "pg_ctl"), "-D", str(folder / "pgdata"),
         "-l", str(folder / "logs" / "postgres.log"), "-w", "start"],
        check=True, capture_output=True,
    )  # fmt: skip
    psql = [str(pg_bin / "psql"), "-h", str(folder / "run"), "-p", env["PG_PORT"], "-U", "postgres"]
    subprocess.run([*psql, "-c", "CREATE DATABASE immich"], check=True, capture_output=True)
    text = gzip.decompress(dump.read_bytes()).decode().replace(*SEARCH_PATH)
    loaded = subprocess.run(
        [*psql, "-d", "immich", "-v", "ON_ERROR_STOP=0", "-q"],
        input=text, text=True, capture_output=True, check=False,
    )  # fmt: skip
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    _kit("start.sh", folder)
    return f"http://127.0.0.1:{env['IMMICH_PORT']}"


def stop(folder: Path) -> None:
    _kit("stop.sh", folder)

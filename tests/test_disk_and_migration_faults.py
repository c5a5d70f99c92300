"""A full disk, and a kill in the middle of a tracker migration."""

from __future__ import annotations

import resource
import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from photos_sync.track.database import migrate, open_tracker
from photos_sync.track.migrations import LATEST_VERSION

PHOTOS_SYNC = str(Path(sys.executable).parent / "photos-sync")


def _small_files(limit: int) -> Callable[[], None]:
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of being killed
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_full_disk_on_the_data_folder_is_one_clear_line(
    library_copy: Callable[[str], Path], tmp_path: Path
) -> None:
    library = library_copy("Test-Media-Types-15.7.2.photoslibrary")
    data = tmp_path / "data"
    result = subprocess.run(
        [PHOTOS_SYNC, "--library", str(library), "--data-dir", str(data), "reclassify"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
        preexec_fn=_small_files(48 * 1024),  # the tracker cannot grow past 48 KiB
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "disk is full, over quota or failing" in lines[0], result.stderr
    # Nothing half-written: with room again, the same command completes.
    again = subprocess.run(
        [PHOTOS_SYNC, "--library", str(library), "--data-dir", str(data), "reclassify"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert again.returncode == 0, again.stderr
    assert "Recorded 18 new assets" in again.stdout


MIGRATE_SLOWLY = textwrap.dedent(
    """
    import sqlite3, sys, time
    from photos_sync.track.database import migrate

    class Slow:
        def __init__(self, connection):
            self.connection = connection
        def execute(self, sql, *args):
            result = self.connection.execute(sql, *args)
            if sql.startswith("ALTER"):
                print("step", flush=True)
                time.sleep(0.3)
            return result

    connection = sqlite3.connect(sys.argv[1], isolation_level=None)
    migrate(Slow(connection))
    """
)


def test_kill_during_a_migration_leaves_the_previous_version(tmp_path: Path) -> None:
    path = tmp_path / "tracker.db"
    with closing(sqlite3.connect(path, isolation_level=None)) as old:
        migrate(old, target=1)
        old.execute(
            "INSERT INTO imported_assets (icloud_uuid, immich_id, status)"
            " VALUES ('A', 'i', 'imported')"
        )
    process = subprocess.Popen(
        [sys.executable, "-c", MIGRATE_SLOWLY, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    for _ in range(3):  # well inside step 2, which alters the table many times
        assert process.stdout.readline().strip() == "step"
    process.send_signal(signal.SIGKILL)
    process.communicate()  # reaps it and closes its pipe
    with closing(sqlite3.connect(path)) as after:
        assert after.execute("PRAGMA user_version").fetchone()[0] == 1  # step 2 rolled back
        columns = {row[1] for row in after.execute("PRAGMA table_info(imported_assets)")}
        assert "is_spatial_photo" not in columns
    connection = open_tracker(path)  # and the next run migrates cleanly
    assert connection.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
    assert connection.execute("SELECT immich_id FROM imported_assets").fetchone()[0] == "i"

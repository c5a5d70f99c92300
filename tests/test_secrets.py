"""The Immich API key never reaches a log, a file, an error message or a command line."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from tests.support.immich_double import ImmichDouble

PHOTOS_SYNC = str(Path(sys.executable).parent / "photos-sync")


def test_api_key_appears_nowhere(library_copy: Callable[[str], Path], tmp_path: Path) -> None:
    library = library_copy("Test-26.1.photoslibrary")
    data = tmp_path / "data"
    with ImmichDouble() as immich:
        env = immich.process_env(library, data)
        secret = env["IMMICH_API_KEY"]
        outputs = []
        for args in (["--debug", "import"], ["--debug", "doctor"], ["--debug", "verify"]):
            process = subprocess.Popen(
                [PHOTOS_SYNC, *args],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                stdin=subprocess.DEVNULL,
                text=True,
            )
            cmdline = Path(f"/proc/{process.pid}/cmdline").read_bytes()
            out, err = process.communicate(timeout=120)
            outputs += [out, err, cmdline.decode(errors="replace")]
        wrong = dict(env, IMMICH_API_KEY=secret[::-1])  # a refused key: error path too
        refused = subprocess.run(
            [PHOTOS_SYNC, "--debug", "import"],
            env=wrong,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
        )
        assert refused.returncode != 0
        outputs += [refused.stdout, refused.stderr]
    assert len(immich.state.assets) == 10  # the key was used, and worked
    for text in outputs:
        assert secret not in text and secret[::-1] not in text
    for path in data.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert secret.encode() not in content, path
            assert secret[::-1].encode() not in content, path

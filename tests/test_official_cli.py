"""Cross-check: the official Immich CLI uploads to our double without a contract violation.

If the double answered anything real Immich would not, the official client would stumble
or the OpenAPI check would flag it. Runs when Node 22 and @immich/cli are in `.peers/`.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bench.corpus import build_corpus
from tests.support.immich_double import ImmichDouble
from tests.support.peers import immich_cli

CLI = immich_cli()
pytestmark = pytest.mark.skipif(CLI is None, reason="Node 22 + @immich/cli not in .peers/")


def test_official_cli_uploads_a_folder_to_the_double(tmp_path: Path) -> None:
    assert CLI is not None
    corpus = build_corpus(tmp_path / "corpus", photos=4, videos=1)
    with ImmichDouble() as immich:
        env = CLI.env(immich.url, immich.add_key(["all"]), tmp_path / "home")
        first = subprocess.run(
            CLI.argv("upload", "--concurrency", "2", str(corpus.folder)),
            env=env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        assert first.returncode == 0, first.stderr
        assert len(immich.state.assets) == 5
        again = subprocess.run(
            CLI.argv("upload", str(corpus.folder)),
            env=env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        assert again.returncode == 0, again.stderr
        assert len(immich.state.assets) == 5  # the double's bulk check told it all were there
        assert "5 duplicates" in again.stdout or "duplicate" in again.stdout
        assert immich.violations == []

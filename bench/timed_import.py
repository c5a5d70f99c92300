"""photos-sync's own command line with its metadata step timed: the seconds of each call
of ``sync_metadata`` are appended to the file named by ``BENCH_METADATA_SECONDS``.

Works for whichever photos-sync is first on ``sys.path``: this tree, or an older checkout
put there with ``PYTHONPATH`` (how ``bench.metadata_bench`` measures "before").

    BENCH_METADATA_SECONDS=/tmp/t python -m bench.timed_import import --json
"""

from __future__ import annotations

import os
import sys
import time
from functools import wraps
from typing import Any

from photos_sync.cli import main


def _timed(step: Any) -> Any:
    @wraps(step)
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return step(*args, **kwargs)
        finally:
            with open(os.environ["BENCH_METADATA_SECONDS"], "a") as out:
                out.write(f"{time.perf_counter() - started:.3f}\n")

    return timed


def _time_every_caller() -> None:
    """Wrap ``sync_metadata`` where it is called from: every photos-sync module that imported
    it (the layout differs between versions)."""
    for module in list(sys.modules.values()):
        step = getattr(module, "sync_metadata", None)
        name = getattr(module, "__name__", "")
        if name.startswith("photos_sync") and callable(step) and step.__module__ != name:
            module.sync_metadata = _timed(step)  # type: ignore[attr-defined]


if __name__ == "__main__":
    _time_every_caller()
    sys.argv = ["photos-sync", *sys.argv[1:]]
    main()

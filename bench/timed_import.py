"""photos-sync's own command line with its metadata step timed: the seconds of each call
of ``sync_metadata`` are appended to the file named by ``BENCH_METADATA_SECONDS``; with
``BENCH_REQUESTS``, every request it sends to Immich is counted by method and route (ids
folded) into that file, as JSON, when it exits.

Works for whichever photos-sync is first on ``sys.path``: this tree, or an older checkout
put there with ``PYTHONPATH`` (how ``bench.metadata_bench`` measures "before").

    BENCH_METADATA_SECONDS=/tmp/t python -m bench.timed_import import --json
"""

from __future__ import annotations

import atexit
import json
import os
import re
import sys
import time
from collections import Counter
from functools import wraps
from pathlib import Path
from typing import Any

import httpx

from photos_sync.cli import main

AN_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


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
    it (the layout differs between versions), and where it is defined, for the modules that
    import it later (a command's module is imported when the command runs)."""
    from photos_sync.workflow import metadata as defining

    defining.sync_metadata = _timed(defining.sync_metadata)
    for module in list(sys.modules.values()):
        step = getattr(module, "sync_metadata", None)
        name = getattr(module, "__name__", "")
        if name.startswith("photos_sync") and callable(step) and step.__module__ != name:
            module.sync_metadata = _timed(step)  # type: ignore[attr-defined]


def _count_requests(into: Path) -> None:
    counts: Counter[str] = Counter()
    send = httpx.Client.send

    def counted(self: httpx.Client, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        counts[f"{request.method} {AN_ID.sub('{id}', request.url.path)}"] += 1
        return send(self, request, **kwargs)

    httpx.Client.send = counted  # type: ignore[method-assign]
    atexit.register(lambda: into.write_text(json.dumps(counts)))


if __name__ == "__main__":
    if "BENCH_REQUESTS" in os.environ:
        _count_requests(Path(os.environ["BENCH_REQUESTS"]))
    _time_every_caller()
    sys.argv = ["photos-sync", *sys.argv[1:]]
    main()

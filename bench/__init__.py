"""Benchmarks of photos-sync, each against a reference measured in the same run."""

from __future__ import annotations

import compileall
import os
from pathlib import Path


def from_bytecode() -> None:
    """Measure photos-sync as an installed copy runs: from its bytecode. pip compiles a
    package it installs, but a checkout installed for development compiles on first use,
    and not at all where ``PYTHONDONTWRITEBYTECODE`` is set (as on this project's
    machines): each run then compiled every module it imported again, 0.1-0.15 s a run,
    which no user pays. Called by each benchmark's ``main``, not on import: the tests
    import benchmark modules and keep their own environment."""
    import photos_sync

    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # the runs measured write and use it
    compileall.compile_dir(Path(photos_sync.__file__).parent, quiet=1)

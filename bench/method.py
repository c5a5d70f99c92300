"""How the benchmarks compare two contenders fairly on a small, shared VM.

Two effects moved single-run ratios by up to a factor of two here: the first write into
memory the VM has never used is slow (whoever happens to write there pays), and the order
in which two runs go (caches, write-back). So a comparison touches the memory once, runs a
warm-up round that is not counted, then an even number of rounds in which the contenders
take turns to go first, and reports medians.
"""

from __future__ import annotations

import os
import statistics
from collections.abc import Callable, Sequence
from pathlib import Path

Step = Callable[[int], float]  # round number -> seconds


def touch_memory(workdir: Path, size: int) -> None:
    """Write and delete ``size`` bytes in ``workdir``, so no measured run is the first to
    write into never-used memory (the page cache and tmpfs both live there)."""
    ballast = workdir / "ballast"
    block = os.urandom(1 << 20)
    with ballast.open("wb") as sink:
        for _ in range(size >> 20):
            sink.write(block)
    ballast.unlink()


def take_turns(
    pairs: Sequence[tuple[str, Step, Step]],
    round_: int,
    after: Callable[[int], None] | None = None,
) -> dict[str, float]:
    """One round: for each (what, ours, theirs), both steps, ours first in even rounds;
    seconds keyed ``ours_<what>`` and ``theirs_<what>``."""
    times: dict[str, float] = {}
    for what, ours, theirs in pairs:
        sides = [("ours", ours), ("theirs", theirs)]
        for who, step in sides[:: -1 if round_ % 2 else 1]:
            times[f"{who}_{what}"] = step(round_)
    if after is not None:
        after(round_)
    return times


def compare(
    pairs: Sequence[tuple[str, Step, Step]],
    rounds: int,
    after: Callable[[int], None] | None = None,
) -> tuple[dict[str, float], list[dict[str, float]]]:
    """A warm-up round (round 0, not counted), then ``rounds`` counted ones; the medians
    and every counted round."""
    take_turns(pairs, 0, after)
    counted = [take_turns(pairs, n, after) for n in range(1, rounds + 1)]
    medians = {key: statistics.median(r[key] for r in counted) for key in counted[0]}
    return medians, counted


def ratios(counted: list[dict[str, float]], what: str) -> str:
    """Per-round ratios theirs/ours (above 1: ours was faster), for the report."""
    return ", ".join(f"{r[f'theirs_{what}'] / r[f'ours_{what}']:.2f}" for r in counted)

"""Planning over many assets runs without the cyclic garbage collector walking its rows
(photos_sync.bulk): at 100k assets the walking was a sixth of a nightly run."""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from photos_sync.bulk import bulk_work
from tests.conftest import CliResult

PLANNING = {"scan_library", "plan_metadata", "library_status"}


@pytest.fixture
def collections_while_planning() -> Iterator[list[str]]:
    """Each collection the collector started while a planning function was running."""
    seen: list[str] = []

    def watch(phase: str, info: dict[str, Any]) -> None:
        if phase != "start":
            return
        frame: FrameType | None = sys._getframe(1)
        while frame is not None:
            if frame.f_code.co_name in PLANNING:
                seen.append(f"generation {info['generation']} in {frame.f_code.co_name}")
                return
            frame = frame.f_back

    gc.callbacks.append(watch)
    try:
        yield seen
    finally:
        gc.callbacks.remove(watch)


def test_a_sync_plans_without_collecting(
    configure: Callable[[Path], None],
    shared_libraries: dict[str, Path],
    run_cli: Callable[..., CliResult],
    collections_while_planning: list[str],
) -> None:
    configure(shared_libraries["Test-26.1.photoslibrary"])
    for command in ("sync", "sync", "status"):  # the first night, a night with nothing new
        result = run_cli(command)
        assert result.exit_code == 0, result.stdout + result.stderr
    assert collections_while_planning == []
    assert gc.isenabled()


def test_the_collector_starts_again_after_the_outermost_block() -> None:
    with pytest.raises(RuntimeError), bulk_work():
        assert not gc.isenabled()
        with bulk_work():
            pass
        assert not gc.isenabled()
        raise RuntimeError("a failed plan")
    assert gc.isenabled()


def test_what_a_block_leaves_alive_is_not_walked_again() -> None:
    """The rows a plan leaves are frozen: no later collection walks them (they have no
    cycles; reference counting frees them)."""
    frozen = gc.get_freeze_count()
    with bulk_work():
        rows = [[number] for number in range(10_000)]
    assert gc.get_freeze_count() >= frozen + len(rows)
    assert gc.isenabled()

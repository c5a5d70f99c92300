"""Many small objects at once, without the cyclic garbage collector walking them.

Planning a run over a large library builds a few hundred thousand tuples in one go: the
catalog, the tracker's rows, the plans made from them, osxphotos' own records. None of
them refers back to itself, so reference counting frees each one; yet every time the
number of live objects grows by a quarter, Python's collector walks all of them looking
for cycles. At 100k assets that walking was a sixth of a nightly run with nothing new
(bench/README.md, "Issue 17, continued"). Within :func:`bulk_work` the collector waits.
Afterwards, what the block left alive is frozen (``gc.freeze``): it has no cycles, and
the collector would otherwise walk all of it once more at its first collection, and again
as it aged into older generations (a tenth of a night). Reference counting still frees
it. Only reading and planning go inside, never the uploads: their retries and
connections make cycles (exceptions and their tracebacks) that should not pile up over
hours.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def bulk_work() -> Iterator[None]:
    """Pause the cyclic collector for the block (also usable as a decorator), then
    freeze what survived it; nested blocks leave both to the outermost one."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()

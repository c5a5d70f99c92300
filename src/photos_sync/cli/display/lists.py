"""Helpers shared by the renderings."""

from __future__ import annotations

from rich.console import Console

MAX_LISTED = 40
EXAMPLES = 3  # problem assets shown per reason by review


def more(console: Console, shown: int, total: int) -> None:
    """The line that says how many were left out of a list."""
    if total > shown:
        console.print(f"  … and {total - shown:,} more (--json lists all)")

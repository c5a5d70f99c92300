"""Helpers shared by the renderings."""

from __future__ import annotations

from rich.console import Console

MAX_LISTED = 40
EXAMPLES = 3  # problem assets shown per reason by review


def more(console: Console, shown: int, total: int) -> None:
    """The line that says how many were left out of a list."""
    if total > shown:
        console.print(f"  … and {total - shown:,} more (--json lists all)")


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """``1 asset``, ``2 assets``: a count with its noun in the right number."""
    return f"{count:,} {singular if count == 1 else plural or singular + 's'}"


# What each count of a metadata plan (``MetadataPlan.counts``) is called, one and many.
METADATA_WORDS = {
    "favorites": ("favorite", "favorites"),
    "updates": ("description, date or place", "descriptions, dates or places"),
    "tags": ("tag given", "tags given"),
    "tags_removed": ("tag taken off", "tags taken off"),
    "albums_created": ("album created", "albums created"),
    "albums_found_again": ("album found again", "albums found again"),
    "albums_renamed": ("album renamed", "albums renamed"),
    "album_additions": ("asset added to an album", "assets added to albums"),
    "album_removals": ("asset taken out of an album", "assets taken out of albums"),
    "stacks": ("stack", "stacks"),
    "people_created": ("person created", "people created"),
    "people_renamed": ("person renamed", "people renamed"),
    "faces": ("face placed", "faces placed"),
    "faces_removed": ("face taken off", "faces taken off"),
}


def metadata_counts(counts: dict[str, int]) -> str:
    """``1 stack, 3 faces placed``: the non-zero counts of a metadata plan, in words."""
    return ", ".join(
        counted(n, *METADATA_WORDS.get(name, (name.replace("_", " "), name.replace("_", " "))))
        for name, n in counts.items()
        if n
    )

"""Which of the library's assets the user wants in Immich: albums, a date range, photos or
videos, favorites only, special kinds left out. Pure logic; remembered per data folder with
the other choices (``plan/choices.py``), so the nightly sync keeps it."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass


@dataclass(frozen=True)
class Selection:
    albums: tuple[str, ...] = ()  # only assets in one of these albums (by title)
    since: str = ""  # YYYY-MM-DD: taken on or after (the day as Photos shows it)
    until: str = ""  # YYYY-MM-DD: taken on or before
    media: str = ""  # "photos" or "videos"; "" both
    favorites_only: bool = False
    exclude_kinds: tuple[str, ...] = ()  # kind names (source.records.KINDS)

    @property
    def everything(self) -> bool:
        return self == Selection()

    def admits(
        self,
        *,
        created_at: str,
        video: bool,
        favorite: bool,
        kinds: Collection[str],
        album_titles: Collection[str],
    ) -> bool:
        day = created_at[:10]
        return not (
            (self.albums and not set(self.albums) & set(album_titles))
            or (self.since and day < self.since)
            or (self.until and day > self.until)
            or (self.media == "photos" and video)
            or (self.media == "videos" and not video)
            or (self.favorites_only and not favorite)
            or set(self.exclude_kinds) & set(kinds)
        )

    def describe(self) -> str:
        """In words, for status and the run's summary."""
        if self.everything:
            return "the whole library"
        parts = []
        if self.albums:
            parts.append("albums " + ", ".join(repr(a) for a in self.albums))
        if self.since or self.until:
            parts.append(f"taken {self.since or '…'} to {self.until or '…'}")
        if self.media:
            parts.append(f"{self.media} only")
        if self.favorites_only:
            parts.append("favorites only")
        if self.exclude_kinds:
            parts.append("without " + ", ".join(self.exclude_kinds))
        return "; ".join(parts)

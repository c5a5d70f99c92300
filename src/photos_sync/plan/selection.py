"""Which of the library's assets the user wants in Immich: albums, a date range, photos or
videos, favorites only, special kinds left out. Pure logic; remembered per data folder with
the other choices (``plan/choices.py``), so the nightly sync keeps it."""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from photos_sync.errors import ConfigError


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


def photos_albums(wanted: Sequence[str], in_photos: Collection[str]) -> tuple[str, ...]:
    """The albums ``--album`` asks for, as Photos titles them. The same title in another
    Unicode form (a name typed on a Mac keyboard is often decomposed) is the same album;
    anything else Photos does not have (another case, a space, a typo) is refused, with
    the closest titles: remembered, it would have every later run import nothing."""
    chosen = tuple(unicodedata.normalize("NFC", name) for name in wanted)
    missing = missing_albums(chosen, in_photos)
    if missing:
        raise ConfigError(
            f"Photos has no album named {missing[0]!r} (--album takes a title exactly as "
            "Photos shows it)",
            _closest(missing[0], {unicodedata.normalize("NFC", t) for t in in_photos}),
        )
    return chosen


def missing_albums(wanted: Sequence[str], in_photos: Collection[str]) -> list[str]:
    """The album names Photos has no album for, whatever Unicode form either is in."""
    titles = {unicodedata.normalize("NFC", title) for title in in_photos}
    return [name for name in wanted if unicodedata.normalize("NFC", name) not in titles]


def _closest(name: str, titles: Collection[str]) -> str:
    folded = {title.casefold().strip(): title for title in titles}
    near = [folded[t] for t in difflib.get_close_matches(name.casefold().strip(), folded, 3)]
    if near:
        return "Closest in Photos: " + ", ".join(repr(title) for title in near)
    some = sorted(titles)[:5]
    more = f" and {len(titles) - len(some)} more" if len(titles) > len(some) else ""
    return "Photos' albums: " + (", ".join(repr(t) for t in some) + more if some else "none")


def check_dates(since: str, until: str) -> None:
    """A range that ends before it starts admits nothing: refused, not remembered."""
    if since and until and since > until:
        raise ConfigError(
            f"--since {since} is after --until {until}: no photo could be taken in between",
            "Swap the two dates, or leave one out",
        )

"""The benchmark's library inflater makes a library both readers see at the asked size."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from bench.inflate import make_large_library
from photos_sync.source.library import PhotosLibrary


def test_inflated_library_has_the_asked_size_and_fresh_uuids(tmp_path: Path) -> None:
    library = PhotosLibrary(make_large_library(tmp_path, 100))
    entries = library.entries()
    assert len(entries) == 100
    assert len({e.uuid for e in entries}) == 100
    assets = list(library.read(entries))
    assert len(assets) == 100  # osxphotos sees every copy too
    kinds = Counter(name for a in assets for name in a.subtypes.set_names())
    assert kinds["is_favorite"] >= 100 // 16  # the one favorite of 16 is copied with its flag
    albums = Counter(album.title for a in assets for album in a.albums)
    assert albums["Pumpkin Farm"] > 3  # album membership is copied as well

"""What the user chose for a data folder's imports, remembered between runs. Pure logic.

The nightly ``sync`` is usually a bare command in a scheduler, so a choice made once on the
command line (``--people-tags``, ``--album-prefix``, ``--with-edits`` …) must hold for the
runs after it: a bare run that forgot ``--people-tags`` would otherwise take every people
tag off again. A flag given now changes the choice (and is remembered); one not given means
"as before".
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from photos_sync.errors import ConfigError
from photos_sync.plan.importing import HiddenAs
from photos_sync.plan.selection import Selection, photos_albums

SELECTION_FIELDS = tuple(f.name for f in dataclasses.fields(Selection))


@dataclass(frozen=True)
class Choices:
    hidden_as: HiddenAs = HiddenAs.ARCHIVE
    album_prefix: str = ""
    with_edits: bool = False
    raw_primary: bool = False
    people_tags: bool = False
    skip_shared: bool = False
    # What goes (plan/selection.py): empty means everything.
    albums: tuple[str, ...] = ()
    since: str = ""
    until: str = ""
    media: str = ""
    favorites_only: bool = False
    exclude_kinds: tuple[str, ...] = ()
    deletions: str = "keep"  # keep | archive | trash: what a deletion in Photos does in Immich
    people: bool = True  # named people as Immich people with their faces
    people_match_names: bool = False

    def selection(self) -> Selection:
        return Selection(
            self.albums,
            self.since,
            self.until,
            self.media,
            self.favorites_only,
            self.exclude_kinds,
        )

    def whole_library(self) -> Choices:
        """These choices with the selection forgotten."""
        everything = Selection()
        return dataclasses.replace(
            self,
            **{f.name: getattr(everything, f.name) for f in dataclasses.fields(Selection)},
        )

    @staticmethod
    def named(*values: Any) -> dict[str, Any]:
        """Values given on a command line, in field order, by name (``None``: not given);
        lists become tuples, an empty one counts as not given."""
        named = {}
        for spec, value in zip(dataclasses.fields(Choices), values, strict=True):
            if isinstance(value, list | tuple):
                value = tuple(value) or None
            named[spec.name] = value
        return named

    def given(self, **values: Any) -> Choices:
        """These choices with what was given now (``None``: not given, as before)."""
        return dataclasses.replace(self, **{k: v for k, v in values.items() if v is not None})

    def to_stored(self) -> dict[str, str]:
        return {f.name: json.dumps(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_stored(cls, stored: dict[str, str]) -> Choices:
        values: dict[str, Any] = {}
        for spec in dataclasses.fields(cls):
            if spec.name in stored:
                value = json.loads(stored[spec.name])
                if spec.name == "hidden_as":
                    value = HiddenAs(value)
                elif isinstance(value, list):
                    value = tuple(value)
                values[spec.name] = value
        return cls(**values)

    def changed_from(self, before: Choices) -> list[str]:
        """Each choice that differs from ``before``, in words."""
        return [
            f"{f.name.replace('_', '-')}: {getattr(before, f.name)!s} -> {getattr(self, f.name)!s}"
            for f in dataclasses.fields(self)
            if getattr(self, f.name) != getattr(before, f.name)
        ]


def checked(given: dict[str, Any], albums_in_photos: Collection[str]) -> dict[str, Any]:
    """The choices given now, refused when they cannot be meant (they would be remembered
    for every run after): a selection with --whole-library, an album Photos does not have.
    Album titles come back as Photos writes them."""
    chosen = [name for name in SELECTION_FIELDS if given.get(name) is not None]
    if given.get("whole_library") and chosen:
        flags = ", ".join("--" + name.replace("_", "-") for name in chosen)
        raise ConfigError(
            f"--whole-library forgets the selection, and {flags} makes one",
            "Give one of them",
        )
    if given.get("albums"):
        return {**given, "albums": photos_albums(given["albums"], albums_in_photos)}
    return given

"""What each command does with the API key, as Immich's permission names.

One list per command, so a command refuses to start with a key that cannot finish its work
(naming everything missing at once) and ``doctor`` checks the union: a key ``doctor``
approves is a key every command accepts. The names are the ``x-immich-permission`` of each
endpoint photos-sync calls (Immich 3.1's OpenAPI document).
"""

from __future__ import annotations

# Upload, find by checksum, and send what Photos knows: favorites, descriptions, dates and
# places, albums (made, renamed, filled and emptied), tags, stacks; the user the tracker is
# bound to.
IMPORT = (
    "asset.upload",
    "asset.read",
    "asset.update",
    "album.read",
    "album.create",
    "album.update",
    "albumAsset.create",
    "albumAsset.delete",
    "tag.read",
    "tag.create",
    "tag.asset",
    "stack.create",
    "user.read",
)
# Named people with their faces (--people, the default; checked once the choice is known).
PEOPLE = (
    "person.read",
    "person.create",
    "person.update",
    "face.read",
    "face.create",
    "face.delete",
)
REPAIR = ("asset.upload", "asset.read", "asset.update")  # link Live Photos, upload videos
# Faces and people are read to count them (when people are synced).
VERIFY = ("asset.read", "album.read", "stack.read", "person.read", "face.read")
# Re-upload, restore from the trash (asset.delete in Immich), re-link, refill albums, merge
# an album made twice (album.delete), restack, take a doubled face off (face.delete).
VERIFY_FIX = (*VERIFY, *IMPORT, "asset.delete", "album.delete", "face.delete")

# Deletions in Photos followed into Immich: archive (an update), or trash (asset.delete,
# never a permanent delete); albums read to spare what the user put in an album.
FOLLOW_DELETIONS = ("asset.read", "asset.update", "asset.delete", "album.read")

BY_COMMAND: dict[str, tuple[str, ...]] = {
    "import": IMPORT,
    "sync": IMPORT,
    "review --retry": IMPORT,
    "import --repair-paired-videos": REPAIR,
    "reclassify --repair": REPAIR,
    "verify": VERIFY,
    "verify --fix": VERIFY_FIX,
    "sync/cleanup --deletions archive|trash": FOLLOW_DELETIONS,
    "import/sync --people (the default)": PEOPLE,
}


def every_permission() -> tuple[str, ...]:
    """What a key needs for every command (``doctor``'s check), in a stable order."""
    seen: dict[str, None] = {}
    for needed in BY_COMMAND.values():
        seen.update(dict.fromkeys(needed))
    return tuple(seen)


def commands_needing(permissions: list[str]) -> list[str]:
    """The commands that cannot run without any of these permissions."""
    return [cmd for cmd, needed in BY_COMMAND.items() if set(needed) & set(permissions)]

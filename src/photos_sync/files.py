"""Files written whole or not at all: a kill mid-write leaves the old file or the new one,
never half of either (a settings file cut short loses the key; a report cut short
misleads)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_whole(path: Path, text: str, private: bool = False) -> None:
    """``text`` (UTF-8) into ``path``, replaced in one step. ``private``: a file that may
    hold a secret, readable by its owner alone, in a folder made for them alone."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700 if private else 0o777)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        if private:
            os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise

"""One place that keeps secrets out of everything photos-sync shows or writes.

Secrets (the API key, backup keys, the crypt password, a password in a URL) register here as
soon as they are read; :func:`redact` then replaces each wherever it appears: the key by
``…`` and its last four characters (enough to tell keys apart), anything else by ``***``,
and the user and password of any URL by ``***``. The CLI passes every line it prints, logs
and error messages through it, and whatever a server sends back is redacted before it is
kept in the tracker.
"""

from __future__ import annotations

import io
import re
import threading
from typing import TextIO

_URL_USERINFO = re.compile(r"(?<=://)[^/\s@]+@")
_lock = threading.Lock()
_secrets: dict[str, str] = {}  # value -> what is shown instead
_longest_first: tuple[tuple[str, str], ...] = ()  # so a secret inside another goes second


def register_secret(value: str | None, shown: str = "***") -> None:
    """Keep ``value`` out of all output from now on (short values would hide too much)."""
    global _longest_first
    if value and len(value) >= 4:
        with _lock:
            _secrets[value] = shown
            _longest_first = tuple(sorted(_secrets.items(), key=lambda item: -len(item[0])))


def forget_secrets() -> None:
    """Start over with no secret (a process runs one command; the tests run many, each
    with secrets of its own: a password "wrong" of one would hide "wrong_size" in the next)."""
    global _longest_first
    with _lock:
        _secrets.clear()
        _longest_first = ()


def register_api_key(value: str | None) -> None:
    if value:
        register_secret(value, f"…{value[-4:]}" if len(value) >= 12 else "***")


def redact(text: str) -> str:
    """``text`` with every registered secret and URL credential replaced."""
    if not text:
        return text
    for value, shown in _longest_first:  # read once: a tuple is replaced, never changed
        if value in text:
            text = text.replace(value, shown)
    return _URL_USERINFO.sub("***@", text)


class RedactingStream(io.TextIOBase):
    """A text stream that redacts what is written to it before passing it on."""

    def __init__(self, inner: TextIO) -> None:
        self.inner = inner

    def write(self, text: str) -> int:
        self.inner.write(redact(text))
        return len(text)

    def flush(self) -> None:
        self.inner.flush()

    def isatty(self) -> bool:
        return self.inner.isatty()

    def fileno(self) -> int:
        return self.inner.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.inner, "encoding", "utf-8")

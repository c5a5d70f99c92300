"""A streaming ``multipart/form-data`` body for one file upload.

Our own encoder rather than httpx's, for two reasons: the file is read in 1 MiB chunks (a
64 KiB read loop costs measurable CPU on multi-GB videos), and the part order is ours to
choose: the file part comes before the text fields, as Immich's own tests send it, so the
``filename`` field can never be applied to the wrong part (see the contract notes).
An XMP sidecar goes as a second file part, also before the text fields: Immich checks a
sidecar part's name for ``.xmp`` by the ``filename`` field when that field came first, and
would refuse it. The body can be iterated again for a retry; it reopens the file each
time. The bytes are hashed as they go out (``sent_sha1``), so a file changed after it was
checked is noticed.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from pathlib import Path

from photos_sync.errors import FileChangedError

CHUNK = 1024 * 1024


def _quote(value: str) -> str:
    """A parameter value inside double quotes, escaped as browsers do (HTML5 forms)."""
    return value.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


class FileUpload:
    """One file part plus text fields, streamed from disk."""

    def __init__(
        self,
        path: Path,
        part_name: str,
        filename: str,
        fields: dict[str, str],
        sidecar: tuple[str, str, bytes] | None = None,
    ) -> None:
        """``sidecar``: (part name, file name, bytes) of a small second file part."""
        self.path = path
        self.boundary = uuid.uuid4().hex
        file_head = self._file_head(part_name, filename, "application/octet-stream")
        second = b""
        if sidecar is not None:
            name, second_name, data = sidecar
            second = b"\r\n" + self._file_head(name, second_name, "application/rdf+xml") + data
        text = "".join(
            f'\r\n--{self.boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}'
            for name, value in fields.items()
        )
        self._head = file_head
        closing = (text + f"\r\n--{self.boundary}--\r\n").encode("utf-8", "surrogateescape")
        self._tail = second + closing
        self._size = path.stat().st_size
        self._digest = hashlib.sha1()

    def _file_head(self, part_name: str, filename: str, content_type: str) -> bytes:
        return (
            f"--{self.boundary}\r\n"
            f'Content-Disposition: form-data; name="{part_name}"; filename="{_quote(filename)}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        ).encode("utf-8", "surrogateescape")

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    @property
    def length(self) -> int:
        return len(self._head) + self._size + len(self._tail)

    @property
    def sent_sha1(self) -> str:
        """SHA-1 of the file bytes of the last complete pass."""
        return self._digest.hexdigest()

    def __iter__(self) -> Iterator[bytes]:
        """The body; never more or fewer file bytes than announced (a file that shrank
        stops the upload, one that grew is cut off and then fails the checksum)."""
        self._digest = hashlib.sha1()
        yield self._head
        left = self._size
        with self.path.open("rb") as handle:
            while left and (chunk := handle.read(min(CHUNK, left))):
                self._digest.update(chunk)
                left -= len(chunk)
                yield chunk
        if left:
            raise FileChangedError()
        yield self._tail

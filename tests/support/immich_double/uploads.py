"""Receiving ``POST /assets`` as Immich does: a multipart body streamed, the file hashed.

The body is never held in memory whole (a 2 GB upload streams through), so the double can
also serve the memory benchmark. What the contract check needs is a small stand-in body with
the same fields and file parts, built by :func:`stand_in_body`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import BinaryIO

from python_multipart.multipart import MultipartParser, parse_options_header

CHUNK = 256 * 1024


SIDECAR_PART = "sidecarData"  # kept whole (an XMP packet is small); other files only hashed


@dataclass
class UploadedFile:
    filename: str
    sha1: bytes
    size: int
    data: bytes = b""  # the sidecar's bytes


@dataclass
class UploadedForm:
    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, UploadedFile] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)  # part names as they arrived


class _Receiver:
    def __init__(self) -> None:
        self.form = UploadedForm()
        self._header_name = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._data = bytearray()
        self._hash = hashlib.sha1()
        self._size = 0

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": lambda d, s, e: self._add("_header_name", d[s:e]),
            "on_header_value": lambda d, s, e: self._add("_header_value", d[s:e]),
            "on_header_end": self._header_end,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
        }

    def _add(self, attribute: str, data: bytes) -> None:
        setattr(self, attribute, getattr(self, attribute) + data)

    def _part_begin(self) -> None:
        self._headers, self._data = {}, bytearray()
        self._hash, self._size = hashlib.sha1(), 0

    def _header_end(self) -> None:
        self._headers[self._header_name.lower()] = self._header_value
        self._header_name, self._header_value = b"", b""

    def _disposition(self) -> dict[bytes, bytes]:
        _, params = parse_options_header(self._headers.get(b"content-disposition", b""))
        return params

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        params = self._disposition()
        if b"filename" in params:
            self._hash.update(data[start:end])
            self._size += end - start
        if b"filename" not in params or params.get(b"name") == SIDECAR_PART.encode():
            self._data += data[start:end]

    def _part_end(self) -> None:
        params = self._disposition()
        name = params.get(b"name", b"").decode()
        self.form.order.append(name)
        if b"filename" in params:
            # Immich decodes the part filename from latin1 bytes to UTF-8, so raw UTF-8 works.
            filename = params[b"filename"].decode("utf-8", "replace")
            self.form.files[name] = UploadedFile(
                filename, self._hash.digest(), self._size, bytes(self._data)
            )
        else:
            self.form.fields[name] = self._data.decode("utf-8", "replace")


def receive(stream: BinaryIO, length: int, content_type: str) -> UploadedForm:
    """Read and parse a multipart body of ``length`` bytes from ``stream``."""
    _, params = parse_options_header(content_type)
    receiver = _Receiver()
    parser = MultipartParser(params[b"boundary"], receiver.callbacks())  # type: ignore[arg-type]
    remaining = length
    while remaining > 0:
        chunk = stream.read(min(CHUNK, remaining))
        if not chunk:
            raise ConnectionError("client went away mid-upload")
        parser.write(chunk)
        remaining -= len(chunk)
    parser.finalize()
    return receiver.form

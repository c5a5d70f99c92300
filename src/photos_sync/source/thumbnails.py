"""Small pictures of assets, as data URIs (the report inlines them): the library's own
derivative when it has one, else made with Pillow from the original, else a drawn
placeholder naming the file type (a video, a format Pillow cannot read, a missing file).
Never the full file: each is at most :data:`SIZE` pixels on its longer side."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

from PIL import Image, UnidentifiedImageError

SIZE = 160
DERIVATIVE_FOLDERS = ("resources/derivatives", "resources/derivatives/masters")


def _derivative(library: Path, uuid: str) -> Path | None:
    """Photos' own small JPEG of the asset (``<UUID>_1_105_c.jpeg`` and the like)."""
    for folder in DERIVATIVE_FOLDERS:
        found = sorted((library / folder / uuid[:1]).glob(f"{uuid}_*.jp*g"))
        if found:
            return found[0]
    return None


def _jpeg_uri(source: Path) -> str | None:
    try:
        with Image.open(source) as image:
            image.thumbnail((SIZE, SIZE))
            out = io.BytesIO()
            image.convert("RGB").save(out, "JPEG", quality=70)
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError):
        return None
    return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def placeholder(label: str) -> str:
    """A grey square with the file type written on it."""
    text = html.escape(label.upper()[:6] or "?")
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE}" height="{SIZE}">'
        f'<rect width="100%" height="100%" fill="#d8d8d8"/>'
        f'<text x="50%" y="54%" font-family="sans-serif" font-size="28" fill="#555" '
        f'text-anchor="middle">{text}</text></svg>'
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


def thumbnail(library: Path, uuid: str, original: Path | None, filename: str) -> str:
    """A data URI for the asset: its derivative, its original made small, or a placeholder."""
    for source in (_derivative(library, uuid), original):
        if source is not None and source.is_file():
            uri = _jpeg_uri(source)
            if uri is not None:
                return uri
    return placeholder(Path(filename).suffix.lstrip(".") or "file")

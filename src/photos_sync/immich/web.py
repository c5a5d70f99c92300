"""Addresses in Immich's web app (not its API), for links a person follows."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def web_address(url: str | None) -> str | None:
    """Immich's web app from ``IMMICH_URL``: no ``/api``, no credentials (they are secret)."""
    if not url:
        return None
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    path = parts.path.removesuffix("/").removesuffix("/api")
    return urlunsplit((parts.scheme, netloc, path, "", ""))


def asset_page(web: str | None, asset_id: str | None) -> str | None:
    return f"{web}/photos/{asset_id}" if web and asset_id else None


def album_page(web: str | None, album_id: str | None) -> str | None:
    return f"{web}/albums/{album_id}" if web and album_id else None

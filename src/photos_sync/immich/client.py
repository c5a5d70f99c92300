"""Talking to an Immich server over its REST API, authenticated by ``x-api-key``.

Every failure becomes an :class:`~photos_sync.errors.ImmichError` with one line saying what
is wrong and what to do. The API key is sent only in a header and never appears in a
message or a log line.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpx

from photos_sync.errors import ImmichError

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)

# What photos-sync does with a key: upload and read assets, carry over favorites, dates and
# descriptions, albums, tags and stacks. A key with "all" has them all.
REQUIRED_PERMISSIONS: tuple[str, ...] = (
    "asset.upload",
    "asset.read",
    "asset.update",
    "album.read",
    "album.create",
    "album.update",
    "albumAsset.create",
    "tag.read",
    "tag.create",
    "tag.asset",
    "stack.create",
    "stack.read",
)


@dataclass(frozen=True)
class ServerVersion:
    major: int
    minor: int
    patch: int

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


@dataclass(frozen=True)
class ApiKeyInfo:
    name: str
    permissions: tuple[str, ...]

    def missing(self, required: tuple[str, ...] = REQUIRED_PERMISSIONS) -> list[str]:
        if "all" in self.permissions:
            return []
        return [permission for permission in required if permission not in self.permissions]


def api_base(url: str) -> str:
    """``http://host:2283`` and ``http://host:2283/api`` both mean the API at ``/api``."""
    url = url.rstrip("/")
    return url if url.endswith("/api") else f"{url}/api"


def error_message(response: httpx.Response) -> str:
    """Immich's error text: ``message`` is a string (v3) or a list of strings (v2)."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:200] or response.reason_phrase
    message = body.get("message") if isinstance(body, dict) else None
    if isinstance(message, list):
        return "; ".join(str(part) for part in message)
    return str(message) if message else response.reason_phrase


class ImmichClient:
    """A connection to one Immich server with one API key."""

    def __init__(
        self,
        url: str,
        api_key: str | None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = api_base(url)
        headers = {"Accept": "application/json"}
        if api_key:
            headers["x-api-key"] = api_key
        self._http = httpx.Client(
            base_url=self.base_url, headers=headers, timeout=timeout, transport=transport
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ImmichClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _get(self, path: str) -> Any:
        try:
            response = self._http.get(path)
        except httpx.TimeoutException:
            raise ImmichError(
                f"Immich at {self.base_url} did not answer in time",
                "Check that the server is up and IMMICH_URL points at it",
            ) from None
        except httpx.HTTPError as error:
            raise ImmichError(
                f"Immich is not reachable at {self.base_url} ({type(error).__name__})",
                "Check IMMICH_URL and that the server is running",
            ) from None
        if response.status_code == 401:
            raise ImmichError(
                f"Immich rejected the API key ({error_message(response)})",
                "Create a key in Immich (Account Settings > API Keys) and set IMMICH_API_KEY",
            )
        if response.status_code == 403:
            raise ImmichError(
                f"The API key is not allowed to do this ({error_message(response)})",
                "Give the key the permission named, or create a key with 'all'",
            )
        if response.status_code >= 400:
            raise ImmichError(
                f"Immich answered {response.status_code} to GET {path}: {error_message(response)}"
            )
        try:
            return response.json()
        except ValueError:
            raise ImmichError(
                f"{self.base_url} did not answer like an Immich server (GET {path} is not JSON)",
                "Check IMMICH_URL: it should be the Immich address, e.g. http://host:2283",
            ) from None

    def server_version(self) -> ServerVersion:
        body = self._get("/server/version")
        try:
            return ServerVersion(int(body["major"]), int(body["minor"]), int(body["patch"]))
        except (KeyError, TypeError, ValueError):
            raise ImmichError(
                f"{self.base_url} did not answer like an Immich server (no version)",
                "Check IMMICH_URL: it should be the Immich address, e.g. http://host:2283",
            ) from None

    def my_api_key(self) -> ApiKeyInfo:
        """The key's own name and permissions (``GET /api-keys/me``, Immich 1.139+)."""
        body = self._get("/api-keys/me")
        return ApiKeyInfo(name=str(body.get("name", "")), permissions=tuple(body["permissions"]))

"""The double's handlers, one per Immich operation id it implements.

A handler receives the request and the authenticated key (None on public routes) and
returns ``(status, body)``; bodies follow the shapes recorded from Immich 3.1.0 in
``shared/immich/observed-v3.1.0.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.support.immich_double.state import ApiKey, ServerState


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


Reply = tuple[int, Any]
Handler = Callable[[ServerState, Request, ApiKey | None], Reply]


def ping(state: ServerState, request: Request, key: ApiKey | None) -> Reply:
    return 200, {"res": "pong"}


def server_version(state: ServerState, request: Request, key: ApiKey | None) -> Reply:
    major, minor, patch = state.version
    body: dict[str, Any] = {"major": major, "minor": minor, "patch": patch}
    if major >= 3:
        body["prerelease"] = None  # added in v3.0.0
    return 200, body


def server_about(state: ServerState, request: Request, key: ApiKey | None) -> Reply:
    version = "v{}.{}.{}".format(*state.version)
    return 200, {
        "version": version,
        "versionUrl": f"https://github.com/immich-app/immich/releases/tag/{version}",
        "licensed": False,
    }


def my_api_key(state: ServerState, request: Request, key: ApiKey | None) -> Reply:
    assert key is not None
    return 200, {
        "id": key.id,
        "name": key.name,
        "permissions": key.permissions,
        "createdAt": key.created_at,
        "updatedAt": key.created_at,
    }


HANDLERS: dict[str, Handler] = {
    "pingServer": ping,
    "getServerVersion": server_version,
    "getAboutInfo": server_about,
    "getMyApiKey": my_api_key,
}

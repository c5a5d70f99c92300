"""What the Immich double holds: users and their API keys (assets arrive with the import)."""

from __future__ import annotations

import secrets
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class User:
    id: str
    email: str
    name: str
    is_admin: bool = False


@dataclass
class ApiKey:
    id: str
    name: str
    secret: str
    user: User
    permissions: list[str]
    created_at: str = field(default_factory=now_iso)

    def allows(self, permission: str | None) -> bool:
        return permission is None or "all" in self.permissions or permission in self.permissions


class ServerState:
    """Everything the server knows, behind one lock (the server is threaded)."""

    def __init__(self, version: tuple[int, int, int] = (3, 1, 0)) -> None:
        self.lock = threading.RLock()
        self.version = version
        self.owner = User(
            id=str(uuid.uuid4()), email="admin@example.com", name="Admin", is_admin=True
        )
        self.keys: dict[str, ApiKey] = {}

    def add_key(self, permissions: list[str] | None = None, name: str = "photos-sync") -> str:
        """A new API key for the owner; returns the secret a client sends."""
        secret = secrets.token_urlsafe(32)
        with self.lock:
            self.keys[secret] = ApiKey(
                id=str(uuid.uuid4()),
                name=name,
                secret=secret,
                user=self.owner,
                permissions=list(permissions or ["all"]),
            )
        return secret

    def key(self, secret: str) -> ApiKey | None:
        with self.lock:
            return self.keys.get(secret)

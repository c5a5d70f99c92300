"""The real Immich server the end-to-end suite runs against, read through its own API.

Found from ``PHOTOS_SYNC_E2E_IMMICH_DIR`` (a folder made by the real-Immich kit: its
``immich.env`` holds an admin key, its ``logs/immich.log`` the server's log) or from
``PHOTOS_SYNC_E2E_URL`` and ``PHOTOS_SYNC_E2E_ADMIN_KEY``. Each test gets a user of its own
(a fresh, empty account with an ``all`` key), so tests need no reset between them.
"""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

SKIP_REASON = (
    "no real Immich server configured: set PHOTOS_SYNC_E2E_IMMICH_DIR to a folder of the "
    "real-Immich kit (.ci/run does), or PHOTOS_SYNC_E2E_URL and PHOTOS_SYNC_E2E_ADMIN_KEY"
)
IDLE_TIMEOUT = 180.0  # seconds a test waits for Immich's queues to empty


def _read_env(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        name, _, value = line.partition("=")
        if name and value:
            values[name.strip()] = value.strip().strip("'\"")
    return values


@dataclass
class RealImmich:
    url: str
    admin_key: str
    log: Path | None  # the server's log, when it runs from a kit folder
    folder: Path | None = None  # the kit folder it runs from (its settings file in etc/)

    @classmethod
    def from_environment(cls) -> RealImmich | None:
        folder = os.environ.get("PHOTOS_SYNC_E2E_IMMICH_DIR")
        if folder and (Path(folder) / "immich.env").is_file():
            env = _read_env(Path(folder) / "immich.env")
            log = Path(folder) / "logs" / "immich.log"
            return cls(
                env["IMMICH_URL"],
                env["IMMICH_API_KEY"],
                log if log.is_file() else None,
                Path(folder),
            )
        url, key = (
            os.environ.get("PHOTOS_SYNC_E2E_URL"),
            os.environ.get("PHOTOS_SYNC_E2E_ADMIN_KEY"),
        )
        return cls(url, key, None) if url and key else None

    def api(self, key: str) -> httpx.Client:
        return httpx.Client(base_url=f"{self.url}/api", headers={"x-api-key": key}, timeout=60)

    def new_user(self, admin: bool = False) -> str:
        """A new, empty user (an administrator too when ``admin``, as the one user of a home
        server is); returns an API key of theirs with every permission."""
        email = f"e2e-{uuid.uuid4().hex[:10]}@example.com"
        with self.api(self.admin_key) as client:
            user = {"email": email, "password": "e2e-password", "name": email, "isAdmin": admin}
            created = client.post("/admin/users", json=user)
            created.raise_for_status()
        login = httpx.post(
            f"{self.url}/api/auth/login", json={"email": email, "password": "e2e-password"}
        )
        login.raise_for_status()
        token = login.json()["accessToken"]
        key = httpx.post(
            f"{self.url}/api/api-keys",
            json={"name": "photos-sync e2e", "permissions": ["all"]},
            headers={"Authorization": f"Bearer {token}"},
        )
        key.raise_for_status()
        return str(key.json()["secret"])

    def limited_key(self, key: str, permissions: tuple[str, ...]) -> str:
        """Another API key of the same user, with just these permissions."""
        with self.api(key) as client:
            made = client.post(
                "/api-keys", json={"name": "photos-sync limited", "permissions": list(permissions)}
            )
            made.raise_for_status()
        return str(made.json()["secret"])

    def wait_until_idle(self) -> float:
        """Wait until no Immich queue has work (twice in a row); the seconds it took."""
        started = time.monotonic()
        quiet = 0
        with self.api(self.admin_key) as admin:
            while time.monotonic() - started < IDLE_TIMEOUT:
                queues = admin.get("/jobs").json()
                busy = sum(
                    q["jobCounts"][state]
                    for q in queues.values()
                    for state in ("active", "waiting", "delayed")
                )
                quiet = quiet + 1 if busy == 0 else 0
                if quiet >= 2:
                    return time.monotonic() - started
                time.sleep(0.5)
        raise AssertionError(f"Immich's queues still busy after {IDLE_TIMEOUT:.0f} s")

    def log_size(self) -> int:
        return self.log.stat().st_size if self.log else 0

    def errors_since(self, offset: int) -> list[str]:
        """ERROR lines the server logged after ``offset`` (empty without a log)."""
        if self.log is None:
            return []
        with self.log.open("rb") as handle:
            handle.seek(offset)
            text = handle.read().decode("utf-8", "replace")
        return [line for line in text.splitlines() if " ERROR " in line or "ERROR [" in line]


def all_assets(client: httpx.Client) -> list[dict[str, Any]]:
    """Every asset of the key's user, each as ``GET /assets/{id}`` answers (tags, EXIF)."""
    found: list[dict[str, Any]] = []
    page: int | None = 1
    while page is not None:
        body = client.post(
            "/search/metadata", json={"page": page, "size": 1000, "withDeleted": True}
        ).json()
        found += body["assets"]["items"]
        page = int(body["assets"]["nextPage"]) if body["assets"].get("nextPage") else None
    return [client.get(f"/assets/{item['id']}").json() for item in found]


def albums(client: httpx.Client) -> dict[str, set[str]]:
    """Album name -> the ids of its assets."""
    result: dict[str, set[str]] = {}
    for album in client.get("/albums").json():
        members = client.post(
            "/search/metadata", json={"albumIds": [album["id"]], "size": 1000}
        ).json()["assets"]["items"]
        result.setdefault(album["albumName"], set()).update(a["id"] for a in members)
    return result

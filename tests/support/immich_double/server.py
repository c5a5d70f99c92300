"""The double's HTTP side: a threaded server on 127.0.0.1, auth as Immich does it, faults.

Every exchange is validated against the OpenAPI contract; anything the spec would not allow
is collected in ``violations`` (tests assert it stays empty) and every request is kept in
``requests`` so tests can count what a command sent.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from tests.support.immich_double import contract
from tests.support.immich_double.routes import HANDLERS, Request
from tests.support.immich_double.state import ApiKey, ServerState


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    status: int


class ImmichDouble:
    """Start with ``with ImmichDouble() as immich:``; ``immich.url`` is the server address."""

    def __init__(self, version: tuple[int, int, int] = (3, 1, 0)) -> None:
        self.state = ServerState(version=version)
        self.violations: list[str] = []
        self.requests: list[Seen] = []
        self._fail_next: list[int] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def add_key(self, permissions: list[str] | None = None, name: str = "photos-sync") -> str:
        return self.state.add_key(permissions, name)

    def fail_next(self, count: int, status: int = 500) -> None:
        """Answer the next ``count`` requests with ``status`` (Immich's error body)."""
        with self._lock:
            self._fail_next.extend([status] * count)

    def _take_fault(self) -> int | None:
        with self._lock:
            return self._fail_next.pop(0) if self._fail_next else None

    def start(self) -> ImmichDouble:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> ImmichDouble:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _authenticate(
    state: ServerState, operation: contract.Operation, headers: dict[str, str], query: str
) -> tuple[ApiKey | None, tuple[int, Any] | None]:
    """Immich's order: no credentials 401, unknown key 401, missing permission 403."""
    if not operation.needs_auth:
        return None, None
    secret = headers.get("x-api-key")
    if secret is None:
        for part in query.split("&"):
            name, _, value = part.partition("=")
            if name == "apiKey":
                secret = value
    if not secret:
        return None, (401, {"message": "Authentication required"})
    key = state.key(secret)
    if key is None:
        return None, (401, {"message": "Invalid API key"})
    if operation.admin_only and not key.user.is_admin:
        return None, (403, {"message": "Forbidden"})
    if not key.allows(operation.permission):
        return None, (403, {"message": f"Missing required permission: {operation.permission}"})
    return key, None


def _handler_for(double: ImmichDouble) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def _respond(
            self, status: int, body: Any, path: str, query: str, headers: dict[str, str]
        ) -> None:
            payload = json.dumps(body).encode()
            content_type = "application/json; charset=utf-8"
            double.violations.extend(
                contract.response_violations(
                    self.command, path, query, headers, status, payload, "application/json"
                )
            )
            double.requests.append(Seen(self.command, path, status))
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("X-Correlation-ID", uuid.uuid4().hex[:8])
            self.end_headers()
            self.wfile.write(payload)

        def _handle(self) -> None:
            split = urlsplit(self.path)
            headers = {name.lower(): value for name, value in self.headers.items()}
            length = int(headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            if not split.path.startswith("/api/"):
                self._respond(
                    404,
                    {"message": f"Cannot {self.command} {split.path}"},
                    split.path,
                    split.query,
                    headers,
                )
                return
            path = split.path[len("/api") :]
            operation = contract.find_operation(self.command, path)
            if operation is None:
                double.violations.append(f"{self.command} {path}: no such route in Immich")
                self._respond(
                    404,
                    {"message": f"Cannot {self.command} /api{path}"},
                    path,
                    split.query,
                    headers,
                )
                return
            fault = double._take_fault()
            if fault is not None:
                self._respond(
                    fault, {"message": "Internal server error"}, path, split.query, headers
                )
                return
            problems = contract.request_violations(
                self.command, path, split.query, headers, body or None
            )
            if problems:
                double.violations.extend(problems)
                self._respond(
                    400,
                    {"message": "Validation failed", "errors": problems},
                    path,
                    split.query,
                    headers,
                )
                return
            key, refusal = _authenticate(double.state, operation, headers, split.query)
            if refusal is not None:
                self._respond(*refusal, path, split.query, headers)
                return
            handler = HANDLERS.get(operation.operation_id)
            if handler is None:
                double.violations.append(f"{operation.operation_id}: not implemented by the double")
                self._respond(
                    501,
                    {"message": "Not implemented by the test double"},
                    path,
                    split.query,
                    headers,
                )
                return
            request = Request(self.command, path, split.query, headers, body)
            status, reply = handler(double.state, request, key)
            self._respond(status, reply, path, split.query, headers)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

    return Handler

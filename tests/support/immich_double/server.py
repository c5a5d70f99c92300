"""The double's HTTP side: a threaded server on 127.0.0.1, auth as Immich does it, faults.

Every exchange is validated against the OpenAPI contract; anything the spec would not allow
is collected in ``violations`` (tests assert it stays empty), and every request is kept in
``requests`` so tests can count what a command sent.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, urlsplit

from tests.support.immich_double import assets, contract, uploads
from tests.support.immich_double.routes import HANDLERS, Request
from tests.support.immich_double.state import ApiKey, ServerState


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    operation: str
    status: int


@dataclass
class Fault:
    """What to do instead of answering: ``status`` (e.g. 500, 413), ``hang`` (seconds of
    silence before answering), ``drop`` (close the connection after part of the body), or
    ``lost_answer`` (do the work, then close the connection instead of answering: the
    client cannot know its upload arrived), or ``proxy`` (a reverse proxy's own answer:
    ``status`` with ``body`` as it is, not Immich's JSON, so not checked by the contract)."""

    kind: str
    status: int = 500
    seconds: float = 0.0
    operation: str | None = None  # only requests to this operation id; None: any
    body: str = ""  # ``proxy``: the raw answer ("{key}" echoes the request's x-api-key)
    content_type: str = "text/html"


class ImmichDouble:
    """Start with ``with ImmichDouble() as immich:``; ``immich.url`` is the server address."""

    def __init__(self, version: tuple[int, int, int] = (3, 1, 0), latency: float = 0.0) -> None:
        self.state = ServerState(version=version)
        self.latency = latency  # seconds added to every answer (kill tests need slow uploads)
        self.violations: list[str] = []
        self.requests: list[Seen] = []
        # The most requests of each operation answered at once (a client's concurrency).
        self.most_at_once: Counter[str] = Counter()
        self._at_once: Counter[str] = Counter()
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def add_key(self, permissions: list[str] | None = None, name: str = "photos-sync") -> str:
        return self.state.add_key(permissions, name)

    def inject(self, fault: Fault, count: int = 1) -> None:
        """Apply ``fault`` to the next ``count`` matching requests."""
        with self._lock:
            self._faults.extend([fault] * count)

    @property
    def faults_left(self) -> int:
        """Injected faults not yet met: a fault test asserts 0, so it tested something."""
        with self._lock:
            return len(self._faults)

    def fail_next(self, count: int, status: int = 500, operation: str | None = None) -> None:
        self.inject(Fault("status", status=status, operation=operation), count)

    def take_fault(self, operation: str) -> Fault | None:
        with self._lock:
            for index, fault in enumerate(self._faults):
                if fault.operation in (None, operation):
                    return self._faults.pop(index)
        return None

    @contextmanager
    def serving(self, operation: str) -> Iterator[None]:
        """One request being answered: counts how many of each operation were at once."""
        with self._lock:
            self._at_once[operation] += 1
            self.most_at_once[operation] = max(
                self.most_at_once[operation], self._at_once[operation]
            )
        try:
            yield
        finally:
            with self._lock:
                self._at_once[operation] -= 1

    def process_env(self, library: Path, data: Path) -> dict[str, str]:
        """The environment of a ``photos-sync`` process that syncs ``library`` into this
        double, with ``data`` as its data folder (none of this shell's own settings)."""
        return {
            **{k: v for k, v in os.environ.items() if not k.startswith(("IMMICH_", "PHOTOS_"))},
            "IMMICH_URL": self.url,
            "IMMICH_API_KEY": self.add_key(["all"]),
            "PHOTOS_LIBRARY": str(library),
            "PHOTOS_SYNC_DATA": str(data),
            "IMMICH_RETRY_WAIT": "0",
        }

    def calls(self, operation: str) -> int:
        """How many requests reached an operation (by Immich operation id)."""
        return sum(1 for seen in self.requests if seen.operation == operation)

    def start(self) -> ImmichDouble:
        self._thread.start()
        return self

    def restart(self, down_seconds: float) -> None:
        """Go away (connections refused) for a while, then answer again on the same port,
        with the same state: a server restart in the middle of a run."""
        host, port = self._server.server_address[:2]
        self._server.shutdown()
        self._server.server_close()
        time.sleep(down_seconds)
        self._server = ThreadingHTTPServer((str(host), int(port)), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

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

        def setup(self) -> None:
            """No Nagle delay, as Immich's Node server: http.server writes the head and the
            body of an answer apart, and on a kept-alive connection the body would wait
            for the client's delayed ACK, 40 ms an answer, a cost real Immich does not have."""
            super().setup()
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def _respond(self, status: int, body: Any, request: Request, operation: str = "?") -> None:
            payload = b"" if body is None else json.dumps(body).encode()
            double.violations.extend(
                contract.response_violations(
                    operation,
                    double.state.version[0],
                    request.method,
                    request.path,
                    request.query,
                    request.headers,
                    status,
                    payload,
                    "application/json",
                )
            )
            double.requests.append(Seen(request.method, request.path, operation, status))
            self.send_response(status)
            if body is not None:
                self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("X-Correlation-ID", uuid.uuid4().hex[:8])
            self.end_headers()
            self.wfile.write(payload)

        def _read_body(self, headers: dict[str, str]) -> bytes:
            length = int(headers.get("content-length") or 0)
            return self.rfile.read(length) if length else b""

        def _hang_up(self, request: Request, operation: str) -> None:
            self.close_connection = True
            self.connection.shutdown(2)
            double.requests.append(Seen(request.method, request.path, operation, 0))

        def _fault(self, fault: Fault, request: Request, operation: str) -> None:
            length = int(request.headers.get("content-length") or 0)
            if fault.kind == "drop":
                self.rfile.read(min(length, 64 * 1024))
                self._hang_up(request, operation)
                return
            self._read_body(request.headers)
            if fault.kind == "proxy":
                payload = fault.body.replace("{key}", request.headers.get("x-api-key", "")).encode()
                double.requests.append(Seen(request.method, request.path, operation, fault.status))
                self.send_response(fault.status)
                self.send_header("Content-Type", fault.content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                return
            if fault.kind == "hang":
                time.sleep(fault.seconds)
                self._respond(500, {"message": "Internal server error"}, request, operation)
                return
            message = "Internal server error" if fault.status >= 500 else "Request Entity Too Large"
            self._respond(fault.status, {"message": message}, request, operation)

        def _handle(self) -> None:
            split = urlsplit(self.path)
            headers = {name.lower(): value for name, value in self.headers.items()}
            path = split.path.removeprefix("/api")
            request = Request(self.command, path, split.query, headers)
            if split.path == "/.well-known/immich":  # how clients find the API; not in the spec
                self._read_body(headers)
                self._respond(200, {"api": {"endpoint": "/api"}}, request, "wellKnown")
                return
            found = (
                contract.find_operation(self.command, path)
                if split.path.startswith("/api/")
                else None
            )
            if found is None:
                self._read_body(headers)
                double.violations.append(f"{self.command} {split.path}: no such route in Immich")
                self._respond(404, {"message": f"Cannot {self.command} {split.path}"}, request)
                return
            operation, params = found
            with double.serving(operation.operation_id):
                self._serve(request, split, headers, operation, params)

        def _serve(
            self,
            request: Request,
            split: SplitResult,
            headers: dict[str, str],
            operation: contract.Operation,
            params: dict[str, str],
        ) -> None:
            name, path = operation.operation_id, request.path
            if double.latency:
                time.sleep(double.latency)
            double.state.finish_due_readings()
            request = Request(self.command, path, split.query, headers, params)
            fault = double.take_fault(name)
            if fault is not None and fault.kind != "lost_answer":
                self._fault(fault, request, name)
                return
            key, refusal = _authenticate(double.state, operation, headers, split.query)
            if refusal is not None:
                self._read_body(headers)
                self._respond(*refusal, request, name)
                return
            if name == "uploadAsset":
                received = self._receive_upload(request, key)
                if received is None:
                    return
                request = received
            else:
                body = self._read_body(headers)
                if len(body) < int(headers.get("content-length") or 0):
                    self._hang_up(request, name)  # the client died mid-request (a kill test)
                    return
                problems = contract.request_violations(
                    self.command, path, split.query, headers, body or None
                )
                if problems:
                    double.violations.extend(problems)
                    self._respond(
                        400, {"message": "Validation failed", "errors": problems}, request, name
                    )
                    return
                request = Request(
                    self.command,
                    path,
                    split.query,
                    headers,
                    params,
                    json=json.loads(body) if body else None,
                )
            with double.state.lock:
                double.state.sidecars.settle(double.state.assets)
            handler = HANDLERS.get(name)
            if handler is None:
                double.violations.append(f"{name}: not implemented by the double")
                self._respond(501, {"message": "Not implemented by the test double"}, request, name)
                return
            status, reply = handler(double.state, request, key)
            if fault is not None:  # lost_answer: done, but the answer never leaves
                self._hang_up(request, name)
                return
            self._respond(status, reply, request, name)

        def _receive_upload(self, request: Request, key: ApiKey | None) -> Request | None:
            """Stream the multipart body; answer early on a known ``x-immich-checksum``."""
            assert key is not None
            checksum = request.headers.get("x-immich-checksum")
            early = assets.early_duplicate(double.state, checksum, key) if checksum else None
            if early is not None:
                self._read_body(request.headers)  # drained, so the connection stays usable
                self._respond(*early, request, "uploadAsset")
                return None
            length = int(request.headers.get("content-length") or 0)
            if not request.headers.get("content-type", "").startswith("multipart/form-data"):
                self._read_body(request.headers)  # multer ignores other bodies: no file
                self._respond(400, {"message": "File is required"}, request, "uploadAsset")
                return None
            try:
                content_type = request.headers["content-type"]
                form = uploads.receive(self.rfile, length, content_type)  # type: ignore[arg-type]
            except ConnectionError:
                self.close_connection = True
                return None
            if "assetData" not in form.files:  # Immich checks the file before the fields
                double.violations.append("uploadAsset: no assetData file")
                self._respond(400, {"message": "File is required"}, request, "uploadAsset")
                return None
            problems = contract.multipart_violations("uploadAsset", form.fields, set(form.files))
            if problems:
                double.violations.extend(problems)
                self._respond(
                    400,
                    {"message": "Validation failed", "errors": problems},
                    request,
                    "uploadAsset",
                )
                return None
            return Request(
                request.method,
                request.path,
                request.query,
                request.headers,
                request.params,
                form=form,
            )

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

    return Handler

"""A real browser for tests: headless Chromium (Debian's ``chromium``) driven over the
DevTools protocol, enough to open a page, collect its console errors, ask it questions in
JavaScript and take a screenshot. ``CHROMIUM`` names the program; tests skip without it."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect

PROGRAMS = ("chromium", "chromium-browser", "google-chrome")
TIMEOUT = 30.0


def chromium() -> str | None:
    named = os.environ.get("CHROMIUM")
    return named or next((p for p in map(shutil.which, PROGRAMS) if p), None)


@dataclass
class Page:
    socket: ClientConnection
    errors: list[str] = field(default_factory=list)  # console errors, exceptions, failed loads
    _next: int = 0

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self._next += 1
        self.socket.send(json.dumps({"id": self._next, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=TIMEOUT))
            if message.get("id") == self._next:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return dict(message.get("result", {}))
            self._note(message)

    def _note(self, message: dict[str, Any]) -> None:
        method, params = message.get("method"), message.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") == "error":
            self.errors.append(" ".join(str(a.get("value")) for a in params.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            self.errors.append(str(params["exceptionDetails"].get("text")))
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            self.errors.append(str(params["entry"].get("text")))
        elif method == "Page.javascriptDialogOpening":  # a script ran: say so, let it go on
            self.errors.append(f"a dialog opened: {params.get('message')}")
            dismiss = {"id": 0, "method": "Page.handleJavaScriptDialog", "params": {"accept": True}}
            self.socket.send(json.dumps(dismiss))

    def open(self, url: str) -> None:
        self.call("Page.navigate", url=url)
        while True:
            message = json.loads(self.socket.recv(timeout=TIMEOUT))
            if message.get("method") == "Page.loadEventFired":
                return
            self._note(message)

    def evaluate(self, expression: str) -> Any:
        answer = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return answer["result"].get("value")

    def screenshot(self, path: Path) -> None:
        shot = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        path.write_bytes(base64.b64decode(shot["data"]))


@contextmanager
def browser_page(width: int = 1200, height: int = 900) -> Iterator[Page]:
    program = chromium()
    assert program is not None, "callers skip when chromium() is None"
    with tempfile.TemporaryDirectory() as profile:
        process = subprocess.Popen(
            [
                program, "--headless", "--no-sandbox", "--disable-gpu",
                "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
                f"--user-data-dir={profile}", f"--window-size={width},{height}",
                "--no-first-run", "--disable-extensions", "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        assert process.stderr is not None
        drain = threading.Thread(target=process.stderr.read, daemon=True)  # never a full pipe
        try:
            port = _devtools_port(process)
            drain.start()
            targets = httpx.get(f"http://127.0.0.1:{port}/json/list", timeout=TIMEOUT).json()
            page_url = next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")
            with connect(page_url, max_size=None) as socket:
                page = Page(socket)
                for domain in ("Page", "Runtime", "Log"):
                    page.call(f"{domain}.enable")
                yield page
        finally:
            process.terminate()
            process.wait(timeout=TIMEOUT)
            if drain.is_alive() or drain.ident is not None:
                drain.join(timeout=TIMEOUT)
            process.stderr.close()


def _devtools_port(process: subprocess.Popen[str]) -> int:
    """Chromium prints ``DevTools listening on ws://127.0.0.1:PORT/...`` once it is up."""
    assert process.stderr is not None
    for line in iter(process.stderr.readline, ""):
        found = re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", line)
        if found:
            return int(found.group(1))
    raise RuntimeError("Chromium ended before it listened for DevTools")

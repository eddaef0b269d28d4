"""A headless Chromium (Debian's ``chromium``) driven over the DevTools protocol.

A small client over ``websocket-client``: it launches the installed executable and downloads
nothing (no driver binaries, no browser builds). Used by the HTML report's tests and by
bench/html. The browser runs with a fresh profile and every background service off, so the
only requests it makes are the ones a page asks for, and ``requests`` records each of them.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FLAGS = (
    "--headless",
    "--no-sandbox",  # NOTE: CI runs as root, where Chromium's sandbox cannot start.
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--mute-audio",
    "--remote-debugging-port=0",
)
_LISTENING = re.compile(r"DevTools listening on (ws://\S+)")


def chromium_path() -> str | None:
    """The Chromium executable on PATH (Debian names it ``chromium``)."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class Page:
    """One tab: send protocol commands, and what the page logged and requested so far."""

    ws: Any
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    _next: int = 0

    def send(self, method: str, timeout: float = 60.0, **params: Any) -> dict[str, Any]:
        """Call ``method`` and wait for its answer, recording events that arrive meanwhile."""
        self._next += 1
        ident = self._next
        self.ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = json.loads(self.ws.recv())
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result
            self._event(message)
        raise TimeoutError(f"{method} did not answer in {timeout} s")

    def wait_for(self, event: str, timeout: float = 60.0) -> dict[str, Any]:
        """Wait for one event (``Page.loadEventFired``), recording the others."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = json.loads(self.ws.recv())
            self._event(message)
            if message.get("method") == event:
                params: dict[str, Any] = message.get("params", {})
                return params
        raise TimeoutError(f"no {event} in {timeout} s")

    def _event(self, message: dict[str, Any]) -> None:
        method, params = message.get("method"), message.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            self.console_errors.append(
                " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
            )
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            self.console_errors.append(
                details.get("exception", {}).get("description") or details.get("text", "")
            )
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            self.console_errors.append(
                f"{entry.get('source')}: {entry.get('text')} {entry.get('url', '')}"
            )
        elif method == "Network.requestWillBeSent":
            self.requests.append(params["request"]["url"])

    def evaluate(self, expression: str, timeout: float = 60.0) -> Any:
        """The value of a JavaScript expression in the page (promises awaited)."""
        result = self.send(
            "Runtime.evaluate", timeout, expression=expression, returnByValue=True,
            awaitPromise=True,
        )  # fmt: skip
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def open(self, path: Path, timeout: float = 120.0) -> float:
        """Load a local file and wait for its load event; the seconds it took."""
        start = time.monotonic()
        self.send("Page.navigate", url=path.resolve().as_uri())
        self.wait_for("Page.loadEventFired", timeout)
        return time.monotonic() - start

    def press(self, key: str, code: str, key_code: int, shift: bool = False) -> None:
        """One key press (down and up), as a keyboard user makes it."""
        common = {"key": key, "code": code, "windowsVirtualKeyCode": key_code,
                  "modifiers": 8 if shift else 0}  # fmt: skip
        self.send("Input.dispatchKeyEvent", type="keyDown", **common)
        self.send("Input.dispatchKeyEvent", type="keyUp", **common)

    def tab(self, times: int) -> None:
        """Press Tab ``times`` times, as fast as the page takes them (the answers are awaited
        together, so a long run costs one round trip, not one per key)."""
        common = {"key": "Tab", "code": "Tab", "windowsVirtualKeyCode": 9, "modifiers": 0}
        first = self._next + 1
        for _ in range(times):
            for kind in ("keyDown", "keyUp"):
                self._next += 1
                self.ws.send(json.dumps({"id": self._next, "method": "Input.dispatchKeyEvent",
                                         "params": {"type": kind, **common}}))  # fmt: skip
        waiting = set(range(first, self._next + 1))
        while waiting:
            message = json.loads(self.ws.recv())
            if message.get("id") in waiting:
                if "error" in message:
                    raise RuntimeError(f"Input.dispatchKeyEvent: {message['error']}")
                waiting.discard(message["id"])
            else:
                self._event(message)

    def screenshot(self, target: Path, *, full_page: bool = True, width: int = 1280) -> Path:
        """A PNG of the page (the whole page when ``full_page``) written to ``target``."""
        height = 900
        if full_page:
            height = int(self.evaluate("document.documentElement.scrollHeight"))
        self.send(
            "Emulation.setDeviceMetricsOverride", width=width, height=min(height, 16000),
            deviceScaleFactor=1, mobile=False,
        )  # fmt: skip
        shot = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=full_page)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(base64.b64decode(shot["data"]))
        self.send("Emulation.clearDeviceMetricsOverride")
        return target


@contextmanager
def chromium(executable: str, *, dark: bool = False) -> Iterator[Page]:
    """A fresh headless Chromium with one blank tab, closed (and its profile removed) after."""
    import websocket  # the test extra's websocket-client

    profile = Path(tempfile.mkdtemp(prefix="archcheck-chromium-"))
    process = subprocess.Popen(
        [executable, *FLAGS, f"--user-data-dir={profile}", "--window-size=1280,900", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        browser_url = _devtools_url(process)
        port = browser_url.split("/")[2]
        page_url = _page_url(port)
        ws = websocket.create_connection(page_url, timeout=120, suppress_origin=True)
        try:
            page = Page(ws)
            for domain in ("Page", "Runtime", "Log", "Network"):
                page.send(f"{domain}.enable")
            if dark:
                page.send(
                    "Emulation.setEmulatedMedia",
                    features=[{"name": "prefers-color-scheme", "value": "dark"}],
                )
            yield page
        finally:
            ws.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(profile, ignore_errors=True)


def _devtools_url(process: subprocess.Popen[str]) -> str:
    assert process.stderr is not None
    seen: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            if process.poll() is not None:
                break
            continue
        seen.append(line)
        found = _LISTENING.search(line)
        if found:
            # NOTE: keep draining stderr, or Chromium blocks once the pipe's buffer is full.
            threading.Thread(target=process.stderr.read, daemon=True).start()
            return found.group(1)
    raise RuntimeError("chromium did not start its DevTools endpoint:\n" + "".join(seen[-20:]))


def _page_url(port: str) -> str:
    import urllib.request

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"http://{port}/json/list", timeout=10) as answer:
            targets = json.load(answer)
        pages = [t for t in targets if t.get("type") == "page"]
        if pages:
            url: str = pages[0]["webSocketDebuggerUrl"]
            return url
        time.sleep(0.1)
    raise RuntimeError("chromium opened no page")

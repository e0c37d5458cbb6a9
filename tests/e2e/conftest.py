"""Fixtures: a whole Telltale backend, the built extension in headless Chromium, and the webmail.

- `backend`: a private Redis on a spare port, SQLite in a temporary TELLTALE_HOME, and the real
  `telltale serve` and `telltale worker` processes, stopped by PID at the end of the test.
- `extension_dir`: extension/dist, built once per session with `npm run build`; set
  TELLTALE_E2E_EXTENSION to an unpacked extension's folder to test that one instead, unbuilt.
- `browser`: Debian's Chromium (Playwright never downloads one) with the extension loaded, in a
  fresh profile per test.
- `webmail`: Gmail and Outlook on the web and Gmail's image proxy on that browser (webmail.py).
- `page`: a page of a Chromium without the extension, for the dashboard.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from json import dumps, loads
from pathlib import Path

import pytest
import redis
from playwright.sync_api import BrowserContext, Page, Worker, sync_playwright

from telltale import queue
from telltale.config import load_settings
from tests.backend.processes import env_for, start, stop, wait_for
from tests.backend.servers import RedisServer, spare_port

from .webmail import Webmail

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
START_SECONDS = 30


READING_MARKS = "0.4,1,1.6"


class Backend:
    """Telltale's web server and worker as real processes, on 127.0.0.1 and a port of their own."""

    def __init__(self, home: Path, env: dict[str, str] | None = None):
        # Settings beyond the defaults below (linked-account providers, say), for every process.
        self.env = dict(env or {})
        self.redis = RedisServer(home.parent / "redis")
        self.port = spare_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.settings = load_settings({
            "TELLTALE_HOME": str(home),
            "TELLTALE_PUBLIC_URL": self.url,
            "TELLTALE_BIND": f"127.0.0.1:{self.port}",
            "DATABASE_URL": f"sqlite:///{home / 'telltale.db'}",
            "REDIS_URL": self.redis.url,
            # The reading chain's glanced / skimmed / read marks, short enough for a test to wait out.
            "TELLTALE_READING_MARKS": READING_MARKS,
            **self.env,
        })
        self.web: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None

    @property
    def redis_url(self) -> str:
        return self.redis.url

    def start(self) -> None:
        self.redis.folder.mkdir(parents=True, exist_ok=True)
        self.redis.start()
        self.telltale("db", "upgrade")
        self.worker = start(self.settings, "worker", env=self.env)
        self.start_web()

    def start_web(self) -> None:
        """Start the web server on the same port as before, as a restart after a crash or deploy does."""
        self.web = start(self.settings, "serve", "--workers", "1", env=self.env)
        wait_for(self._healthy, START_SECONDS, f"the web server to answer at {self.url}/healthz")

    def stop_web(self, sig: int = signal.SIGTERM) -> None:
        """Stop the web server; SIGKILL is a crash, and does not wait for open websockets to close."""
        stop(self.web, sig)

    def stop(self) -> None:
        for process in (self.web, self.worker):
            if process is not None:
                stop(process)
        self.redis.stop()

    def telltale(self, *args: str) -> str:
        """Run a `telltale` command against this backend; return what it printed."""
        done = subprocess.run([sys.executable, "-m", "telltale", *args], env={**env_for(self.settings), **self.env},
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, f"telltale {' '.join(args)} failed:\n{done.stderr}"
        return done.stdout

    def create_user(self, email: str) -> dict:
        """Create a user with `telltale user create`; return its `token` and `pairing_code`."""
        return loads(self.telltale("user", "create", email, "--json"))

    def api(self, method: str, path: str, token: str | None = None, json: dict | None = None,
            expect: int | tuple[int, ...] = (200, 201, 204)):
        """Call the API at `path` (e.g. /api/v1/messages); return the decoded answer, or None if empty."""
        request = urllib.request.Request(self.url + path, method=method)
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        if json is not None:
            request.add_header("Content-Type", "application/json")
            request.data = dumps(json).encode()
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            with error:
                status, raw = error.code, error.read()
        expected = (expect,) if isinstance(expect, int) else expect
        assert status in expected, f"{method} {path} answered {status}: {raw[:500]!r}"
        return loads(raw) if raw else None

    def stored_events(self, message_id: int, token: str) -> list[dict]:
        """The events the backend has stored for a message, as its API shows them."""
        return self.api("GET", f"/api/v1/messages/{message_id}", token)["events"]

    def drain_wait(self, timeout: float = 10) -> None:
        """Wait until the worker has stored every hit queued (routed browser requests wait meanwhile)."""
        with redis.Redis.from_url(self.redis.url) as conn:
            wait_for(lambda: not conn.llen(queue.HITS_KEY) and not conn.exists(queue.DRAIN_LOCK_KEY),
                     timeout, "the worker to store the queued hits")

    def _healthy(self) -> bool:
        if self.web.poll() is not None:
            raise AssertionError(f"telltale serve exited with {self.web.returncode} during start-up")
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as response:
                return response.status == 200
        except OSError:
            return False


class Browser:
    """A Chromium profile with the extension loaded."""

    def __init__(self, context: BrowserContext, extension_id: str):
        self.context = context
        self.extension_id = extension_id
        self.origin = f"chrome-extension://{extension_id}/"

    @property
    def service_worker(self) -> Worker:
        """The extension's service worker now running: Chrome may stop one and start another."""
        running = [worker for worker in self.context.service_workers if worker.url.startswith(self.origin)]
        if running:
            return running[-1]
        return self.context.wait_for_event(
            "serviceworker", predicate=lambda worker: worker.url.startswith(self.origin), timeout=10_000
        )

    def sw_eval(self, expression: str, arg=None):
        """Evaluate `expression` in the service worker running now (see page.evaluate)."""
        return self.service_worker.evaluate(expression, arg)

    def content_script_runs_in(self, page: Page) -> bool:
        """Whether one of the extension's content scripts has a world of its own in `page`."""
        session = self.context.new_cdp_session(page)
        worlds: list[dict] = []
        session.on("Runtime.executionContextCreated", lambda event: worlds.append(event["context"]))
        # Chromium announces every existing world before it answers: the list is complete here.
        session.send("Runtime.enable")
        session.detach()
        return any(world["origin"] == self.origin.rstrip("/") for world in worlds)

    def extension_page(self, name: str) -> Page:
        """Open one of the extension's pages in a new tab."""
        page = self.context.new_page()
        page.goto(self.origin + name)
        return page

    def options_page(self) -> Page:
        return self.extension_page("options.html")

    def popup_page(self) -> Page:
        """The popup's page in a tab: an action popup cannot be opened by a test."""
        return self.extension_page("popup.html")


@pytest.fixture
def page(playwright):
    """A Chromium without the extension, in a page of its own: the dashboard must not need the extension."""
    engine = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
        "--no-sandbox", "--disable-gpu", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    ])
    try:
        yield engine.new_context(viewport={"width": 1280, "height": 860}, timezone_id="Europe/Madrid").new_page()
    finally:
        engine.close()


@pytest.fixture
def backend(tmp_path):
    server = Backend(tmp_path / "home")
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def extension_dir() -> Path:
    chosen = os.environ.get("TELLTALE_E2E_EXTENSION")
    if chosen:
        return Path(chosen).resolve()
    built = subprocess.run(["npm", "run", "build"], cwd=ROOT / "extension", capture_output=True, text=True,
                           timeout=120)
    if built.returncode != 0:
        pytest.fail(f"the extension did not build (npm run build):\n{built.stdout}\n{built.stderr}", pytrace=False)
    return ROOT / "extension" / "dist"


@pytest.fixture(scope="session")
def playwright():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `bash .ci/ensure-chromium`", pytrace=False)
    with sync_playwright() as driver:
        yield driver


@pytest.fixture
def browser_options() -> dict:
    """More options for the browser's context; a module overrides this, e.g. to trust a fake's certificate."""
    return {}


@pytest.fixture
def browser(playwright, extension_dir, tmp_path, browser_options):
    ext = str(extension_dir)
    context = playwright.chromium.launch_persistent_context(
        tmp_path / "profile",
        executable_path=CHROMIUM,
        headless=True,
        **browser_options,
        args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run",
            # Nothing but this machine: routed pages never reach DNS, everything else fails fast.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
            # Playwright adds --disable-extensions by default; this lets ours through.
            f"--disable-extensions-except={ext}", f"--load-extension={ext}",
        ],
    )
    try:
        worker = context.service_workers[0] if context.service_workers else context.wait_for_event("serviceworker")
        yield Browser(context, worker.url.split("/")[2])
    finally:
        context.close()


@pytest.fixture
def webmail(browser):
    mail = Webmail(browser.context)
    yield mail
    browser.context.unroute_all(behavior="ignoreErrors")


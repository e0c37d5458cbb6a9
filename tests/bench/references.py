"""The two references the hot path is measured against, each on a spare loopback port.

nginx answering with `empty_gif` (and a plain 302 for links) is the practical ceiling for answering
a pixel on this machine; the naive design (naive_app.py) is what the hot path must beat.
"""
from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

from .harness import Stack, answers, launch, spare_port, stop, wait_for

NGINX = "/usr/sbin/nginx"
ROOT = Path(__file__).resolve().parents[2]
# Telltale's answer headers (tracking/hotpath.py), so nginx sends as much as Telltale does.
NGINX_CONF = """
worker_processes 2;
pid %(dir)s/nginx.pid;
error_log %(dir)s/error.log warn;
%(user)s
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path %(dir)s/body;
  proxy_temp_path %(dir)s/proxy;
  fastcgi_temp_path %(dir)s/fastcgi;
  uwsgi_temp_path %(dir)s/uwsgi;
  scgi_temp_path %(dir)s/scgi;
  # gunicorn keeps a connection for any number of requests; nginx's default closes it after 1,000.
  keepalive_requests 1000000;
  keepalive_timeout 75s;
  server {
    listen 127.0.0.1:%(port)d;
    add_header Cache-Control "no-store, no-cache, must-revalidate, private, max-age=0";
    add_header Pragma "no-cache";
    add_header Expires "0";
    location /p/ { empty_gif; }
    location /l/ { add_header Referrer-Policy "no-referrer"; return 302 https://example.com/a; }
    location = /healthz { return 200 "ok"; }
  }
}
"""


class Nginx:
    def __init__(self, folder: Path):
        self.folder = folder
        self.port = spare_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None

    def __enter__(self) -> Nginx:
        self.folder.mkdir(parents=True, exist_ok=True)
        # As root, nginx hands its workers to "nobody" unless told otherwise; run them as us.
        user = f"user {getpass.getuser()};" if os.geteuid() == 0 else ""
        conf = self.folder / "nginx.conf"
        conf.write_text(NGINX_CONF % {"dir": self.folder, "port": self.port, "user": user})
        self.process = launch([NGINX, "-p", str(self.folder), "-c", str(conf), "-e", str(self.folder / "error.log"),
                               "-g", "daemon off;"], dict(os.environ), log=self.folder / "nginx.out")
        try:
            wait_for(lambda: self.process.poll() is None and answers("127.0.0.1", self.port), 15,
                     f"nginx on port {self.port} (see {self.folder / 'error.log'})")
        except BaseException:
            stop(self.process)
            raise
        return self

    def __exit__(self, *_) -> None:
        stop(self.process)


class NaiveServer:
    """naive_app.py under Telltale's gunicorn settings, with the stack's keys and its own Redis database."""

    def __init__(self, stack: Stack, workers: int):
        self.stack = stack
        self.workers = workers
        self.port = spare_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # Database 1 of the stack's own Redis: its jobs never mix with Telltale's queue.
        self.redis_url = stack.redis.url.rsplit("/", 1)[0] + "/1"
        self.process = None

    def __enter__(self) -> NaiveServer:
        env = self.stack.env(TELLTALE_BIND=f"127.0.0.1:{self.port}", TELLTALE_WEB_WORKERS=str(self.workers),
                             PYTHONPATH=str(ROOT))
        self.process = launch([sys.executable, "-m", "tests.bench.naive_server", self.redis_url], env,
                              log=self.stack.folder / "naive.log")
        try:
            wait_for(lambda: self.process.poll() is None and answers("127.0.0.1", self.port), 30,
                     f"the naive server on port {self.port} (see {self.stack.folder / 'naive.log'})")
        except BaseException:
            stop(self.process)
            raise
        return self

    def __exit__(self, *_) -> None:
        stop(self.process)

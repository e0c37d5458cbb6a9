"""Serve the naive design with Telltale's own gunicorn + gevent configuration.

    python -m tests.bench.naive_server REDIS_URL   (Telltale's settings from the environment)
"""
from __future__ import annotations

import sys

from telltale.config import load_settings
from telltale.server import TelltaleServer


class NaiveServer(TelltaleServer):
    def __init__(self, settings, redis_url: str):
        self._redis_url = redis_url
        super().__init__(settings)

    def load(self):
        # Imported in the worker, after gevent has patched the standard library, as Telltale's is.
        from .naive_app import create_naive_app

        return create_naive_app(self._settings, self._redis_url)


if __name__ == "__main__":
    NaiveServer(load_settings(), sys.argv[1]).run()

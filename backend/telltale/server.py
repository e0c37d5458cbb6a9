"""The production web server: gunicorn with gevent workers, one per core.

Chosen by measurement (pixel, wrk -t2 -c64 on 2 cores): gevent 8.8k req/s with two processes,
gthread 3.3-4.8k. granian reached 15k but cannot hand flask-sock the raw socket, and the
websocket endpoint must hold thousands of idle connections per process, which gevent does.
The worker class answers the tracking URLs ahead of gunicorn's HTTP parser
(tracking/gunicorn_worker.py): about 21k req/s on the same machine.
"""
from __future__ import annotations

import gc

from gunicorn.app.base import BaseApplication

from .config import Settings


class TelltaleServer(BaseApplication):
    def __init__(self, settings: Settings, **options):
        self._settings = settings
        self._options = {
            "bind": settings.bind,
            "workers": settings.web_workers,
            # gunicorn's gevent worker, answering the tracking URLs before its HTTP parser.
            "worker_class": "telltale.tracking.gunicorn_worker.TrackingWorker",
            "worker_connections": 20000,
            # Idle websockets and slow mail clients are normal; gevent workers heartbeat anyway.
            "timeout": 60,
            "graceful_timeout": 10,
            "keepalive": 75,
            "accesslog": None,
            "errorlog": "-",
            "loglevel": "warning",
            **options,
        }
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def run(self) -> None:
        # With several workers, the app's modules (Flask, SQLAlchemy, the models, every blueprint:
        # most of a worker's memory) are imported once here, in the master, and the workers forked
        # from it share those pages. With one worker (`telltale run` beside the rq worker on a small
        # machine) there is nobody to share with: the worker writes reference counts into much of
        # what it uses, copying those pages while the master keeps the originals. Measured, master
        # plus one worker: 112 MB PSS preloaded, 103 MB importing in the worker. Either way the app
        # itself is built in each worker (load), after the fork, so no connection, thread or pool
        # is ever shared between processes.
        if self.cfg.workers > 1:
            import telltale.app  # noqa: F401
        # Frozen, so that the collector's passes in the workers do not write to (and so copy) the
        # pages of what the master loaded: 3.5 MB of one worker's PSS even without the app.
        gc.collect()
        gc.freeze()
        super().run()

    def load(self):
        from .app import create_app  # in the worker, after gevent has patched the standard library

        app = create_app(self._settings)
        freeze_start_up()
        return app


def freeze_start_up() -> None:
    """Keep what a process has loaded so far out of the collector's full passes.

    A full collection pauses every greenlet of the process and walks every object it tracks; what
    was loaded at start-up lives as long as the process. Unfrozen, a process holding the app and
    150,000 objects took 80-90 ms a full pass, in 3 of 11 requests of the recipients page over a
    year (the dashboard bench, 2026-12-07); frozen, those passes cost a few ms.
    """
    gc.collect()
    gc.freeze()

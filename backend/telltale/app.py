"""The application factory."""
from __future__ import annotations

from importlib.metadata import version

from flask import Flask, jsonify

from . import dashboard, health, stopping, web_headers
from .accounts import pages as account_pages
from .api import errors as api_errors
from .api import rate_limits
from .api.openapi import document
from .api.routes import PREFIX, blueprint
from .config import Settings, load_settings
from .live import socket as live_socket
from .live.hub import Hub
from .optout import pages as optout_pages
from .protected import pages as protected_pages
from .queue import HitWriter, enqueue_drain
from .receipts import web as receipt_web
from .services import EXTENSION_KEY, Services, build_services
from .tracking.hotpath import HotPath


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or load_settings()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.sort_keys = False
    svc = build_services(settings)
    app.extensions[EXTENSION_KEY] = svc
    api = blueprint()
    app.register_blueprint(api)
    app.register_blueprint(account_pages.blueprint())
    app.register_blueprint(receipt_web.blueprint())
    dashboard.init_app(app, svc, exempt=[api])
    api_errors.init_app(app)
    rate_limits.init_app(app, svc)
    web_headers.init_app(app)
    hub = Hub(settings.redis_url)
    # A stopping process would otherwise wait out the server's graceful timeout for its sockets.
    stopping.on_stop(app, hub.leave)
    live_socket.init_app(app, svc, hub)
    writer = HitWriter(svc.redis, svc.spool, lambda: enqueue_drain(svc.redis, settings.queue_name))
    svc.on_close(writer.close)
    _register_meta(app, svc, hub, writer)
    # A protected message's page (/m/): its views are hits, queued through the same writer.
    protected_pages.init_app(app, writer)
    optout_pages.init_app(app)
    app.wsgi_app = HotPath(app.wsgi_app, svc.signer, writer, settings.trusted_proxies, settings.reading_marks)
    return app


def _register_meta(app: Flask, svc: Services, hub: Hub, writer: HitWriter) -> None:
    spec = document(version("telltale"))

    @app.get(f"{PREFIX}/openapi.json")
    def openapi():
        return jsonify(spec)

    @app.get("/healthz")
    def healthz():
        state = health.report(svc, writer, hub.count())
        return jsonify(state), 200 if state["status"] == "ok" else 503


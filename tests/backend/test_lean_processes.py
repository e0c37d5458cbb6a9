"""What each long-lived process imports: the footprint budget is mostly modules loaded and never used.

Each check runs in a fresh interpreter, since this one has imported everything already.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HEAVY = ("flask", "sqlalchemy", "redis", "limits", "pydantic", "telltale.store", "telltale.app")


def imported(*modules: str) -> set[str]:
    """The top-level and telltale packages a fresh interpreter holds after importing `modules`."""
    code = ("import importlib, json, sys\n"
            f"for name in {list(modules)!r}: importlib.import_module(name)\n"
            "print(json.dumps(sorted(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    return set(json.loads(done.stdout))


def test_the_supervisor_of_telltale_run_loads_no_app_database_or_redis_client():
    loaded = imported("telltale.cli", "telltale.supervisor", "telltale.embedded_redis")
    assert [name for name in HEAVY if name in loaded] == []
    # Its readiness probe is one GET on loopback: no TLS, no mail parser (http.client loads both).
    assert [name for name in ("ssl", "email", "http.client", "urllib.request") if name in loaded] == []


@pytest.mark.parametrize("job", ["ingest", "publish", "digests", "replies"])
def test_the_worker_and_its_jobs_load_no_web_framework_or_routes(job):
    loaded = imported("telltale.cli", "telltale.services", "telltale.worker.runner", f"telltale.worker.{job}")
    assert [name for name in ("flask", "werkzeug", "jinja2", "telltale.app", "telltale.dashboard", "telltale.api")
            if name in loaded] == []


def test_web_processes_load_the_push_and_timestamp_libraries_only_when_they_send_one():
    loaded = imported("telltale.app")
    assert [name for name in ("pywebpush", "aiohttp", "py_vapid", "rfc3161_client") if name in loaded] == []


def test_web_processes_load_no_http_client_until_a_user_sends_a_test_notification():
    # requests and urllib3 serve only the sends; a web process checks URLs without them (5 MB each).
    loaded = imported("telltale.app")
    assert [name for name in ("requests", "urllib3") if name in loaded] == []
    assert {"requests", "urllib3"} <= imported("telltale.app", "telltale.notify.channels")


def test_the_judge_reads_device_detectors_lists_without_loading_its_parsers():
    code = ("import json, sys\n"
            "from telltale.classify.judge import load_judge\n"
            "load_judge(None, None)\n"
            "print(json.dumps(sorted(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert [name for name in json.loads(done.stdout) if name.split(".")[0] == "device_detector"] == []


@pytest.mark.parametrize(("workers", "preloaded"), [(1, False), (2, True)])
def test_the_web_master_imports_the_app_only_when_several_workers_share_it(tmp_path, workers, preloaded):
    # gunicorn's arbiter is replaced by a no-op here: what matters is what the master holds when it
    # would fork. One worker copies most pages it shares anyway, so the master importing the app
    # only costs memory (112 against 103 MB PSS, measured); two or more share it.
    code = ("import json, sys\n"
            "from gunicorn.app.base import BaseApplication\n"
            "BaseApplication.run = lambda self: None\n"
            "from telltale.config import load_settings\n"
            "from telltale.server import TelltaleServer\n"
            f"TelltaleServer(load_settings(web_workers={workers})).run()\n"
            "print(json.dumps('telltale.app' in sys.modules))")
    env = {**os.environ, "TELLTALE_HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True, env=env)
    assert json.loads(done.stdout.strip().splitlines()[-1]) is preloaded

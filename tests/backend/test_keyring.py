"""Secret keys on a new instance folder: processes starting together agree on one key."""
from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import replace

from .processes import healthy, start, stop, wait_for
from .servers import spare_port

STARTER = """
import sys, time
from pathlib import Path
from telltale.keyring import load_or_create_keys
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
print(load_or_create_keys(Path(sys.argv[1]))[0])
"""


def test_processes_starting_together_on_a_new_folder_agree_on_one_key(tmp_path):
    for attempt in range(5):
        path = tmp_path / f"home{attempt}" / "secret_keys"
        at = time.time() + 1.0
        starters = [subprocess.Popen([sys.executable, "-c", STARTER, str(path), str(at)], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True) for _ in range(8)]
        answers = [starter.communicate(timeout=30) for starter in starters]
        assert all(starter.returncode == 0 for starter in starters), [err for _, err in answers]
        keys = {out.strip() for out, _ in answers}
        assert len(keys) == 1 and path.read_text().split() == list(keys)
        assert [p.name for p in path.parent.iterdir()] == ["secret_keys"]  # no drafts left behind


def test_a_new_instance_boots_with_several_web_processes(settings):
    settings = replace(settings, bind=f"127.0.0.1:{spare_port()}")
    assert not settings.keys_file.exists()
    server = start(settings, "serve", env={"TELLTALE_WEB_WORKERS": "4"})
    try:
        wait_for(lambda: healthy(settings.bind), 30, "the web server")
        # Every web process booted: gunicorn's master exits when one fails to.
        time.sleep(1)
        assert server.poll() is None
    finally:
        stop(server)


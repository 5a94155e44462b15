"""The README's run command, end to end: `manage.py runstack` on a fresh data folder serves the pages with
demo data, runs a worker, and Ctrl-C stops everything it started, embedded servers included."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def processes_using(folder: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline", "status"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if str(folder) in cmdline and process.info["status"] != psutil.STATUS_ZOMBIE:
            found.append(process)
    return found


def wait_for(predicate: object, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def test_runstack_serves_demo_data_and_ctrl_c_stops_everything(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    data = tmp_path_factory.mktemp("run")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")}
    env["FACTCHECK_DATA_DIR"] = str(data)
    log = data / "runstack.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "manage.py", "runstack", "--port", str(port)],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: "Press Ctrl-C" in log.read_text(errors="replace") or proc.poll() is not None, 90, "start")
        text = log.read_text(errors="replace")
        assert proc.poll() is None, text
        assert f"http://127.0.0.1:{port}/" in text
        assert re.search(r"Demo logins: admin \(manager\), manager \(manager\)", text)

        # Log in as the demo manager through the real login form, then see the demo project listed.
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: _get(opener, base + "/login/")[0] == 200, 30, "the web server")
        _, page = _get(opener, base + "/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, page
        form = f"csrfmiddlewaretoken={token.group(1)}&username=manager&password=demo-password-2026&next=/"
        request = urllib.request.Request(base + "/login/", data=form.encode(), headers={"Referer": base + "/login/"})
        with opener.open(request, timeout=10) as response:
            home = response.read().decode()
        assert 'data-project="geneva-demo"' in home
        assert "<td>6</td>" in home  # six demo articles
        assert _get(opener, base + "/admin/login/")[0] == 200
        assert _get(opener, base + "/static/css/app.css")[0] == 200

        wait_for(lambda: "ready." in log.read_text(errors="replace"), 60, "the Celery worker")
        assert processes_using(data), "embedded servers should be running under the data folder"
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    assert "Stopped web and worker and the embedded servers" in log.read_text(errors="replace")
    wait_for(lambda: not processes_using(data), 20, "every process under the data folder to stop")


def _get(opener: urllib.request.OpenerDirector, url: str) -> tuple[int, str]:
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, response.read().decode()
    except OSError:
        return 0, ""

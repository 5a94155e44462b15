"""`manage.py runstack`: migrate, load the demo data, then run the web server and a Celery worker.

The embedded PostgreSQL and Redis (when no URLs are set) were started by this process's settings; the
children get their URLs, so they start nothing themselves. Ctrl-C or SIGTERM stops the children, then
the embedded servers (at exit, by the process that started them).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from annotations.management.commands.load_demo import DEMO_DIR


class _Stop(Exception):
    pass


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise _Stop(signal.Signals(signum).name)


class Command(BaseCommand):
    help = "Run factcheck: migrate, load demo data, start gunicorn and a Celery worker; Ctrl-C stops all."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--no-demo", action="store_true", help="do not load the demo data")
        parser.add_argument("--web-workers", type=int, default=2)
        parser.add_argument("--worker-concurrency", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        signal.signal(signal.SIGTERM, _raise_stop)
        signal.signal(signal.SIGINT, _raise_stop)
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        if not options["no_demo"]:
            call_command("load_demo", stdout=self.stdout)

        env = {
            **os.environ,
            "DATABASE_URL": settings.DATABASE_URL,
            "REDIS_URL": settings.REDIS_URL,
            "SECRET_KEY": settings.SECRET_KEY,
            "FACTCHECK_DATA_DIR": str(settings.DATA_DIR),
        }
        bind = f"{options['host']}:{options['port']}"
        commands = {
            "web": [
                sys.executable,
                "-m",
                "gunicorn",
                "factcheck.wsgi:application",
                "--bind",
                bind,
                "--workers",
                str(options["web_workers"]),
                "--threads",
                "4",
                "--access-logfile",
                "-",
            ],
            "worker": [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "factcheck",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                str(options["worker_concurrency"]),
                # The worker also runs the beat that sweeps up suggestion runs and claims left behind.
                "-B",
                "--schedule",
                str(settings.DATA_DIR / "celerybeat-schedule"),
            ],
        }
        children: dict[str, subprocess.Popen[bytes]] = {}
        try:
            for name, command in commands.items():
                # A session of their own: Ctrl-C reaches only this process, which stops them in order.
                children[name] = subprocess.Popen(command, env=env, cwd=settings.BASE_DIR, start_new_session=True)
            self._announce(options["host"], options["port"], with_demo=not options["no_demo"])
            while True:
                for name, child in children.items():
                    if child.poll() is not None:
                        self.stderr.write(f"{name} exited with status {child.returncode}; stopping")
                        raise _Stop(name)
                time.sleep(0.5)
        except (_Stop, KeyboardInterrupt):
            pass
        finally:
            self._stop(children)
        self.stdout.write("Stopped web and worker" + (" and the embedded servers" if settings.EMBEDDED else ""))

    def _stop(self, children: dict[str, subprocess.Popen[bytes]]) -> None:
        for child in children.values():
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + 20
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()

    def _announce(self, host: str, port: int, *, with_demo: bool) -> None:
        lines = [f"factcheck is running at http://{host}:{port}/  (admin: /admin/, API docs: /api/docs/)"]
        if settings.EMBEDDED:
            lines.append(f"Embedded PostgreSQL and Redis under {settings.DATA_DIR}")
        if with_demo:
            import json

            spec = json.loads((DEMO_DIR / "project.json").read_text(encoding="utf-8"))
            users = ", ".join(f"{u['username']} ({u['role']})" for u in spec["users"])
            lines.append(f"Demo logins: {users}; password {spec['password']}")
        lines.append("Press Ctrl-C to stop everything.")
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))

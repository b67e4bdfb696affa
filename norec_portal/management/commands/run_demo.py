"""Serve the demo: the web server and a Celery worker with beat, started and stopped
together (``make demo``).

The worker and beat are the production ones, on the broker the embedded default
configures (kombu's filesystem transport under ``DEMO_DIR``: no server to install). Each
process runs in its own process group with its output in a log file under ``DEMO_DIR``;
Ctrl-C (or SIGTERM, or closing the terminal) stops both groups, and if one process stops
on its own the other is stopped too, so nothing is left running.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
READY_SECONDS = 60
STOP_SECONDS = 20


class Stop(Exception):
    """A stop signal arrived."""


def _raise_stop(signum: int, frame: Any) -> None:
    raise Stop


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


class Command(BaseCommand):
    help = "Serve the demo: web server, Celery worker and beat together (Ctrl-C stops all)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("run_demo is the embedded demo; production runs gunicorn.")
        if not settings.CELERY_BROKER_URL.startswith("filesystem://"):
            raise CommandError(
                "run_demo runs on the embedded default (no REDIS_URL / CELERY_BROKER_URL)."
            )
        host, port = options["host"], options["port"]
        if _port_open(host, port):
            raise CommandError(
                f"Port {port} is taken on {host}: choose another, e.g. make demo PORT=8080."
            )
        demo_dir = Path(settings.DEMO_DIR)
        demo_dir.mkdir(parents=True, exist_ok=True)
        worker_log, web_log = demo_dir / "worker.log", demo_dir / "web.log"
        env = {**os.environ, "PORT": str(port)}
        # Beat looks for a due invitation batch every minute (production: every ten), so
        # a wave starting today sends its first batch soon after the demo starts.
        env.setdefault("NETWORK_RELEASE_SECONDS", "60")
        manage = str(Path(settings.BASE_DIR) / "manage.py")
        commands = {
            "worker and beat": (
                [sys.executable, "-m", "celery", "-A", "norec_portal", "worker", "--beat",
                 "--pool", "solo", "--loglevel", "INFO", "--without-gossip",
                 "--without-mingle", "--without-heartbeat"],
                worker_log,
            ),
            "web server": (
                [sys.executable, manage, "runserver", f"{host}:{port}", "--noreload"],
                web_log,
            ),
        }  # fmt: skip
        previous = {sig: signal.signal(sig, _raise_stop) for sig in STOP_SIGNALS}
        processes: dict[str, subprocess.Popen[bytes]] = {}
        logs: list[IO[bytes]] = []
        try:
            for name, (command, log_path) in commands.items():
                log = log_path.open("ab")
                logs.append(log)
                processes[name] = subprocess.Popen(  # noqa: S603 - our own interpreter
                    command, cwd=settings.BASE_DIR, env=env, stdout=log,
                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )  # fmt: skip
            self._wait_until_ready(processes, host, port, commands)
            url = f"http://{host}:{port}"
            self.stdout.write(self.style.SUCCESS(f"The portal is running at {url}/"))
            self.stdout.write(f"  demo mailbox (staff):  {url}/staff/mailbox/")
            self.stdout.write(f"  worker and beat log:   {worker_log}")
            self.stdout.write(f"  web server log:        {web_log}")
            self.stdout.write("  Press Ctrl-C to stop the web server, the worker and beat.")
            self.stdout.flush()  # shown now even when the output is a pipe (… | tee)
            self._watch(processes, commands)
        except Stop:
            self.stdout.write("Stopping the web server, the worker and beat…")
        finally:
            # A second Ctrl-C must not cut the stopping short and leave a process behind.
            for sig in STOP_SIGNALS:
                signal.signal(sig, signal.SIG_IGN)
            self._stop(processes)
            for log in logs:
                log.close()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write("Stopped.")

    def _wait_until_ready(self, processes, host: str, port: int, commands) -> None:
        deadline = time.monotonic() + READY_SECONDS
        while not _port_open(host, port):
            self._check_running(processes, commands)
            if time.monotonic() > deadline:
                raise CommandError(f"The web server did not answer on port {port}.")
            time.sleep(0.3)

    def _watch(self, processes, commands) -> None:
        while True:
            self._check_running(processes, commands)
            time.sleep(0.5)

    def _check_running(self, processes, commands) -> None:
        for name, process in processes.items():
            if process.poll() is not None:
                log_path = commands[name][1]
                raise CommandError(
                    f"The {name} stopped (exit code {process.returncode}). "
                    f"The end of {log_path}:\n{_tail(log_path)}"
                )

    def _stop(self, processes: dict[str, subprocess.Popen[bytes]]) -> None:
        """SIGTERM to each process group (Celery's warm shutdown, beat with it), then
        SIGKILL to whatever is still there after ``STOP_SECONDS``."""
        for process in processes.values():
            self._signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        for process in processes.values():
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                pass
        for process in processes.values():
            # The group may hold children (beat) even once its leader has exited.
            self._signal_group(process, signal.SIGKILL)
            process.wait()

    @staticmethod
    def _signal_group(process: subprocess.Popen[bytes], sig: int) -> None:
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass

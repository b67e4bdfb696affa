"""Helpers for tests against the real stack: PostgreSQL, Redis and Celery worker processes."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import kombu.pools
import redis
from django.conf import settings
from django.db import connection

from norec_portal.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[1]


def stack_problem() -> str | None:
    """Why the real stack is unavailable, or None when PostgreSQL and Redis answer."""
    if connection.vendor != "postgresql":
        return "the test database is not PostgreSQL (set DATABASE_URL)"
    broker = settings.CELERY_BROKER_URL
    if not broker.startswith("redis://"):
        return "no Redis broker (set REDIS_URL or CELERY_BROKER_URL)"
    try:
        redis.Redis.from_url(broker, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        return f"Redis at {broker} does not answer: {exc}"
    return None


def database_url() -> str:
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


class Worker:
    """A real ``celery worker -B`` process (its own beat for the outbox sweep)."""

    def __init__(
        self,
        *,
        smtp_url: str,
        log_dir: Path,
        concurrency: int = 2,
        loglevel: str = "WARNING",
        **env: str,
    ):
        self.concurrency = concurrency
        self.log_dir = log_dir
        # INFO makes Celery log every task it receives and how long each run took.
        self.loglevel = loglevel
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "norec_portal.settings",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "EMAIL_URL": smtp_url,
            "OUTBOX_LEASE_SECONDS": "4",
            "OUTBOX_RETRY_BASE_SECONDS": "0",
            "OUTBOX_SWEEP_SECONDS": "1",
            "LOG_LEVEL": "WARNING",
            **env,
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        log = open(self.log_dir / f"worker-{self.starts}.log", "wb")  # noqa: SIM115
        name = f"test-{uuid.uuid4().hex[:8]}@%h"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "norec_portal", "worker", "-B",
             "-s", str(self.log_dir / "beat-schedule"), "-l", self.loglevel,
             "-c", str(self.concurrency), "-P", "prefork", "-n", name,
             "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        wait_for(self._ready, 60, "worker ready")

    def _ready(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"the worker exited ({self.process.returncode}):\n{self.log()}")
        return bool(celery_app.control.ping(timeout=0.5))

    def kill(self) -> None:
        """SIGKILL the worker and all its pool processes at once, as a crash would."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return "\n".join(
            p.read_text(errors="replace")[-4000:] for p in sorted(self.log_dir.glob("worker-*.log"))
        )

    def full_log(self) -> str:
        """Every line every start of this worker wrote, oldest start first."""
        logs = sorted(self.log_dir.glob("worker-*.log"), key=lambda p: int(p.stem.split("-")[1]))
        return "\n".join(p.read_text(errors="replace") for p in logs)


class RedisServer:
    """A private, throw-away ``redis-server`` on a free port, for tests that restart or
    flush the broker. No persistence: a restart loses every queued task, as a crash would.
    """

    def __init__(self, log_dir: Path, port: int | None = None) -> None:
        from tests.smtp_server import free_port

        self.log_dir = log_dir
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @staticmethod
    def binary() -> str | None:
        return shutil.which("redis-server")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_connect_timeout=2)

    def start(self) -> None:
        binary = self.binary()
        if binary is None:
            raise RuntimeError("redis-server is not installed")
        self.starts += 1
        log = open(self.log_dir / f"redis-{self.starts}.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no", "--dir", str(self.log_dir)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        wait_for(self._answers, 20, f"redis-server on port {self.port}")

    def _answers(self) -> bool:
        try:
            return bool(self.client().ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def restart(self, *, down_for: float = 0.0) -> None:
        """Stop and start again on the same port: everything it held is gone."""
        self.stop()
        time.sleep(down_for)
        self.start()

    def flushall(self) -> None:
        self.client().flushall()

    def holds_unacked(self, task_id: str) -> bool:
        """Has a worker received the task ``task_id`` without acknowledging it yet (a
        delayed task waits there until its time, then until it has run)?"""
        return any(task_id.encode() in raw for raw in self.client().hvals("unacked"))

    def queued_tasks(self) -> int:
        """Task messages waiting in the default queue plus those reserved by workers."""
        client = self.client()
        return int(client.llen("celery")) + int(client.hlen("unacked"))


def reset_celery_connections() -> None:
    """Close and forget this process's pooled broker connections; the next task sent or
    control command opens new ones to the broker configured then."""
    kombu.pools.reset()  # kombu keeps pools per broker URL, process-wide
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextmanager
def celery_broker(url: str) -> Iterator[None]:
    """Point the test process's Celery app (task sending, ``control.ping``) at ``url``.

    Celery prefers the ``CELERY_BROKER_URL`` environment variable to ``broker_url``, so
    the read and write URLs, which come first, are set instead.
    """
    conf = celery_app.conf
    previous = {key: conf.get(key) for key in ("broker_read_url", "broker_write_url")}
    reset_celery_connections()
    conf.update(broker_read_url=url, broker_write_url=url)
    try:
        yield
    finally:
        reset_celery_connections()
        conf.update(previous)


@contextmanager
def tasks_through_broker() -> Iterator[None]:
    """Send tasks to the broker instead of running them in place (the test settings run
    them eagerly), and restore the setting afterwards.

    Both spellings are set: with the ``CELERY`` settings namespace, Celery 5.6 reads
    ``CELERY_TASK_ALWAYS_EAGER`` before ``task_always_eager``, so assigning
    ``conf.task_always_eager`` alone changes nothing.
    """
    conf = celery_app.conf
    keys = ("task_always_eager", "CELERY_TASK_ALWAYS_EAGER")
    previous = {key: conf.get(key) for key in keys}
    conf.update(dict.fromkeys(keys, False))
    try:
        yield
    finally:
        conf.update(previous)


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")

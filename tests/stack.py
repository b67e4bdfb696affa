"""Helpers for tests against the real stack: PostgreSQL, Redis and Celery worker processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

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

    def __init__(self, *, smtp_url: str, log_dir: Path, concurrency: int = 2, **env: str):
        self.concurrency = concurrency
        self.log_dir = log_dir
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
             "-s", str(self.log_dir / "beat-schedule"), "-l", "WARNING",
             "-c", str(self.concurrency), "-P", "prefork", "-n", name,
             "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        wait_for(lambda: bool(celery_app.control.ping(timeout=0.5)), 60, "worker ready")

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


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")

"""``manage.py run_demo`` (``make demo``): the web server and a real Celery worker with
beat start together on the embedded default and stop together, leaving nothing behind."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PATIENCE = 120  # seconds before a stuck start counts as a failure (not a timing claim)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def demo_env(tmp_path: Path) -> dict[str, str]:
    return {
        "PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "norec_portal.settings",
        "DEMO_DIR": str(tmp_path / "demo"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }  # fmt: skip


def process_groups() -> dict[int, int]:
    """pid → process group of every process on the machine (from /proc)."""
    groups = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":  # a zombie has exited, only its exit code is left
            groups[int(stat.parent.name)] = int(fields[2])
    return groups


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def wait_for(predicate, what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not predicate():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.3)


def test_run_demo_serves_with_worker_and_beat_and_stops_them_all(tmp_path):
    port = free_port()
    supervisor = subprocess.Popen(
        [sys.executable, "manage.py", "run_demo", "--port", str(port)],
        cwd=ROOT, env=demo_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    log = tmp_path / "demo" / "worker.log"
    lines: list[str] = []

    def read() -> None:
        for line in supervisor.stdout:
            lines.append(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    groups: set[int] = set()
    try:
        wait_for(lambda: lines or supervisor.poll() is not None, "the first line")
        assert lines, f"run_demo stopped: {supervisor.returncode}"
        assert lines[0].strip() == f"The portal is running at http://127.0.0.1:{port}/"
        wait_for(lambda: log.exists() and "ready." in log.read_text(), "the worker is ready")
        wait_for(lambda: "beat: Starting" in log.read_text(), "beat has started")
        children = children_of(supervisor.pid)
        assert len(children) == 2, children  # the worker, the web server
        everyone = process_groups()
        groups = {everyone[pid] for pid in children}
        # beat runs beside the worker, in the worker's group
        assert sum(1 for g in everyone.values() if g in groups) >= 3
    finally:
        supervisor.send_signal(signal.SIGINT)
        supervisor.wait(timeout=PATIENCE)
        reader.join(timeout=PATIENCE)
    output = "".join(lines)
    assert supervisor.returncode == 0, output
    assert "Stopped." in output
    # A killed process may take a moment to be reaped by init; none may stay.
    wait_for(lambda: not (set(process_groups().values()) & groups), "no process left")


def test_run_demo_says_when_the_port_is_taken(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "manage.py", "run_demo", "--port", str(port)],
            cwd=ROOT, env=demo_env(tmp_path), capture_output=True, text=True, timeout=PATIENCE,
        )  # fmt: skip
    assert result.returncode != 0
    assert f"Port {port} is taken" in result.stderr
    assert "PORT=8080" in result.stderr

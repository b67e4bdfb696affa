"""A small HTTP/1.1 load generator on asyncio (no dependency).

Each simulated client sends one GET at a time, waits for the whole response, and sends
the next at once (a closed loop, as a browser tab clicking as fast as it can). Every
request opens its own connection because gunicorn's sync workers close each connection
after one response, as they do in production.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from dataclasses import dataclass, field

from .common import percentile


@dataclass
class LoadResult:
    clients: int
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    first_error: str = ""

    @property
    def requests(self) -> int:
        return len(self.latencies) + self.errors

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def p(self, value: float) -> float:
        return percentile(self.latencies, value)


def build_request(path: str, *, host: str, cookie: str = "") -> bytes:
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}", "User-Agent: norec-bench",
             "Accept: text/html", "Accept-Encoding: identity", "Connection: close"]  # fmt: skip
    if cookie:
        lines.append(f"Cookie: {cookie}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


async def fetch(host: str, port: int, request: bytes) -> tuple[int, int]:
    """Send one request; return (status, body length)."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(request)
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = None
        for line in head.split(b"\r\n")[1:]:
            name, _sep, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        body = await reader.readexactly(length) if length is not None else await reader.read()
        return status, len(body)
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()


async def _client(
    host: str, port: int, request: bytes, start: float, stop: float, result: LoadResult
) -> None:
    while (began := time.perf_counter()) < stop:
        try:
            status, _size = await fetch(host, port, request)
        except Exception as exc:  # counted as an error; the run goes on
            status = 0
            if not result.first_error:
                result.first_error = f"{type(exc).__name__}: {exc}"
            await asyncio.sleep(0.01)
        elapsed = time.perf_counter() - began
        if began < start:
            continue  # warming up
        result.statuses[status] += 1
        if status == 200:
            result.latencies.append(elapsed)
        else:
            result.errors += 1
            if not result.first_error:
                result.first_error = f"HTTP {status}"


async def _run(
    host: str, port: int, requests: list[bytes], clients: int, seconds: float, warmup: float
) -> LoadResult:
    result = LoadResult(clients=clients)
    start = time.perf_counter() + warmup
    stop = start + seconds
    await asyncio.gather(*(
        _client(host, port, requests[i % len(requests)], start, stop, result)
        for i in range(clients)
    ))  # fmt: skip
    result.seconds = max(time.perf_counter() - start, 1e-9)
    return result


def run_load(
    *,
    host: str,
    port: int,
    path: str,
    cookies: list[str],
    clients: int,
    seconds: float,
    warmup: float = 1.0,
) -> LoadResult:
    """``clients`` concurrent clients on ``path`` for ``seconds`` (after ``warmup``);
    client *i* sends cookie ``cookies[i % len(cookies)]`` (one session per client)."""
    requests = [build_request(path, host=f"{host}:{port}", cookie=c) for c in cookies or [""]]
    return asyncio.run(_run(host, port, requests, clients, seconds, warmup))

"""A real SMTP server on 127.0.0.1 for tests and benchmarks (aiosmtpd).

It records every accepted message as ``(recipient, Message-ID)`` and can be told to
answer some recipients with an error, a given number of times or always.
"""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from email import message_from_bytes

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RecordingHandler:
    delay: float = 0.0
    # recipient -> list of replies to give, in order, before accepting ("451 ...").
    scripted: dict[str, list[str]] = field(default_factory=dict)
    # recipient -> reply given every time.
    always: dict[str, str] = field(default_factory=dict)
    received: list[tuple[str, str]] = field(default_factory=list)
    refusals: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            if address in self.always:
                reply = self.always[address]
                self.refusals.append((address, reply))
                return reply
            queue = self.scripted.get(address)
            if queue:
                reply = queue.pop(0)
                self.refusals.append((address, reply))
                return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            time.sleep(self.delay)  # a slow server, deliberately blocking
        message = message_from_bytes(envelope.content)
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.received.append((rcpt, message.get("Message-ID", "")))
        return "250 Message accepted"

    def counts(self) -> Counter[str]:
        with self.lock:
            return Counter(rcpt for rcpt, _mid in self.received)


class SMTPServer:
    def __init__(self, handler: RecordingHandler | None = None) -> None:
        self.handler = handler or RecordingHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def __enter__(self) -> SMTPServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

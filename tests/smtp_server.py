"""A real SMTP server on 127.0.0.1 for tests and benchmarks (aiosmtpd).

It records every accepted message as ``(recipient, Message-ID)`` and can be told to
answer some recipients with an error, a given number of times or always, or by a rule
(e.g. :class:`HashedFaults`: a fixed share of recipients greylisted or refused).
"""

from __future__ import annotations

import hashlib
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
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
    # (recipient, times asked before) -> a refusal, or None to accept; after the above.
    rule: Callable[[str, int], str | None] | None = None
    received: list[tuple[str, str]] = field(default_factory=list)
    refusals: list[tuple[str, str]] = field(default_factory=list)
    asked: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            asked_before = self.asked[address]
            self.asked[address] += 1
            if address in self.always:
                reply = self.always[address]
                self.refusals.append((address, reply))
                return reply
            queue = self.scripted.get(address)
            if queue:
                reply = queue.pop(0)
                self.refusals.append((address, reply))
                return reply
            reply = self.rule(address, asked_before) if self.rule else None
            if reply:
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


@dataclass(frozen=True)
class HashedFaults:
    """Refuse a fixed share of recipients, picked by a hash of the address (repeatable).

    ``permanent`` of them are always answered 550; ``transient`` of them are greylisted:
    answered 421 or 451 on their first one or two tries, then accepted.
    """

    transient: float = 0.05
    permanent: float = 0.01

    @staticmethod
    def _hash(address: str) -> int:
        return int(hashlib.sha256(address.encode()).hexdigest()[:12], 16)

    def _bucket(self, address: str) -> float:
        return (self._hash(address) % 1_000_000) / 1_000_000

    def is_permanent(self, address: str) -> bool:
        return self._bucket(address) < self.permanent

    def is_transient(self, address: str) -> bool:
        return self.permanent <= self._bucket(address) < self.permanent + self.transient

    def transient_tries(self, address: str) -> int:
        return 1 + (self._hash(address) >> 20) % 2 if self.is_transient(address) else 0

    def __call__(self, address: str, asked_before: int) -> str | None:
        if self.is_permanent(address):
            return "550 5.1.1 No such mailbox here"
        if asked_before < self.transient_tries(address):
            if self._hash(address) % 2:
                return "421 4.7.0 Too busy, closing the channel; try again later"
            return "451 4.7.1 Greylisted, try again later"
        return None


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

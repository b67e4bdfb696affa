"""A local SMTP server that accepts every message at once and logs it (aiosmtpd).

Run as its own process (``python -m bench.smtp_sink --port P --log FILE``) so that the
server does not share a Python interpreter with the code under measurement. Each
accepted message appends one tab-separated line per recipient to the log file: the
recipient, the Message-ID and the Unix time it was accepted; the benchmark counts lines.
"""

from __future__ import annotations

import argparse
import re
import signal
import sys
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller

MESSAGE_ID = re.compile(rb"^message-id:[ \t]*(\S+)", re.IGNORECASE | re.MULTILINE)


class SinkHandler:
    def __init__(self, log: Path) -> None:
        self.out = open(log, "a", encoding="utf-8", buffering=1)  # noqa: SIM115 - lives as long as the process

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201 - aiosmtpd hook
        content = envelope.content if isinstance(envelope.content, bytes) else b""
        head = content.split(b"\r\n\r\n", 1)[0]
        match = MESSAGE_ID.search(head)
        message_id = match.group(1).decode("ascii", "replace") if match else ""
        now = f"{time.time():.6f}"
        self.out.write("".join(f"{rcpt}\t{message_id}\t{now}\n" for rcpt in envelope.rcpt_tos))
        return "250 Message accepted"


def count_log(log: Path) -> int:
    if not log.exists():
        return 0
    with open(log, "rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", type=Path, required=True)
    options = parser.parse_args(argv)
    controller = Controller(SinkHandler(options.log), hostname="127.0.0.1", port=options.port)
    controller.start()
    print("ready", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_args: stop.set())
    signal.signal(signal.SIGINT, lambda *_args: stop.set())
    stop.wait()
    controller.stop()
    sys.exit(0)


if __name__ == "__main__":
    main()

"""Mail: a newsletter to 12,000 members through the outbox and real Celery workers, and a
bare ``smtplib`` loop to the same kind of SMTP server as the ceiling.

The one function to swap when the network app's newsletter service is ready is
:func:`queue_newsletter`: it must queue the newsletter and return the addresses that
should each receive it once. Everything else (workers, SMTP sink, timing, the checks)
stays as it is.
"""

from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils.html import escape

from norec_portal.models import OutboxEmail
from norec_portal.outbox import EmailSpec, queue_emails
from partnerships.models import Person

from .common import ROOT, MemorySampler, mb, python, table, verdict, wait_until
from .pages import free_port
from .smtp_sink import count_log

MESSAGES = 12_000
THROUGHPUT_SHARE = 0.5  # of the bare loop
WORKER_PROCESSES = 2


@dataclass
class Campaign:
    """What was queued: a description for the report, the addresses expected at the SMTP
    server (each exactly once) and the outbox idempotency-key prefix of its rows."""

    description: str
    recipients: list[str]
    key_prefix: str


def newsletter_recipients(count: int) -> list[tuple[str, str]]:
    """``(address, first name)`` of every former participant with an address in the
    scale data set, topped up with generated readers to ``count``."""
    people = list(
        Person.objects.filter(participations__partnership__isnull=True)
        .exclude(email="")
        .distinct()
        .order_by("pk")
        .values_list("email", "first_name")[:count]
    )
    people += [(f"reader{n:05d}@newsletter.bench.example", "Reader")
               for n in range(count - len(people))]  # fmt: skip
    return people


def newsletter_message(first_name: str, number: int) -> tuple[str, str, str]:
    """(subject, text, html) of one personalised newsletter, about 4 KB in all."""
    subject = f"Norec Network newsletter – news for you, {first_name}"
    paragraphs = [
        f"Dear {first_name},",
        "This month the network met in Nairobi and online: thank you to everyone who came, "
        "shared their experience of the exchange and helped plan the next meetings.",
        "Resource persons: staff are looking for lecturers in public health, agriculture "
        "and journalism for the coming training weeks in Bangkok, Johannesburg and Kampala. "
        "Update your profile if you can help.",
        "Webinar: \u201cKnowledge sharing after the exchange\u201d, on the first Thursday of "
        "next month at 14:00 Oslo time. Sign up from your member page.",
        "Your contact details: if your address or phone number has changed, correct them "
        "yourself from the link on your member page, so that we can keep in touch.",
        f"Kind regards,\nNorec Network (reader {number})",
    ]
    text = "\n\n".join(paragraphs) + "\n\nUnsubscribe: https://portal.norec.no/network/me/\n"
    html = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    html = f'<!doctype html><html><body>{html}<p><a href="https://portal.norec.no/network/me/">Unsubscribe</a></p></body></html>'  # noqa: E501
    return subject, text, html


def queue_newsletter(count: int = MESSAGES) -> Campaign:
    """Queue the newsletter to ``count`` members. THE function to swap.

    Until the network app has a newsletter send service (issue 6), this queues one
    personalised message per recipient with :func:`norec_portal.outbox.queue_emails`, as
    a newsletter service would; delivery is then requested after commit, in batches of
    ``OUTBOX_BATCH_SIZE``, and done by the workers.
    """
    prefix = f"bench-newsletter:{uuid.uuid4().hex[:8]}:"
    recipients = newsletter_recipients(count)
    specs = []
    for number, (address, first_name) in enumerate(recipients):
        subject, text, html = newsletter_message(first_name, number)
        specs.append(EmailSpec(key=f"{prefix}{number}", to=address, subject=subject, text=text,
                               html=html))  # fmt: skip
    queue_emails(specs)
    return Campaign(
        description=(
            f"{count:,} personalised messages queued with `norec_portal.outbox.queue_emails` "
            "(one per former participant with an address in the scale data set, topped up "
            "with generated addresses)"
        ),
        recipients=[address for address, _name in recipients],
        key_prefix=prefix,
    )


# --- Processes ------------------------------------------------------------------------------


class SMTPSink:
    """``bench.smtp_sink`` in its own process; ``log`` holds what it accepted."""

    def __init__(self, directory: Path, name: str) -> None:
        self.port = free_port()
        self.log = directory / f"{name}.log"
        self.process: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def __enter__(self) -> SMTPSink:
        self.process = subprocess.Popen(
            [python(), "-m", "bench.smtp_sink", "--port", str(self.port), "--log", str(self.log)],
            cwd=ROOT, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self.process.stdout is not None
        if self.process.stdout.readline().strip() != "ready":
            raise RuntimeError("the SMTP sink did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)

    def received(self) -> list[tuple[str, str, float]]:
        if not self.log.exists():
            return []
        rows = []
        for line in self.log.read_text(encoding="utf-8").splitlines():
            rcpt, message_id, stamp = line.split("\t")
            rows.append((rcpt, message_id, float(stamp)))
        return rows


class CeleryWorker:
    """``celery -A norec_portal worker -c 2`` (prefork) against the bench database."""

    def __init__(self, *, smtp_url: str, log_dir: Path, concurrency: int) -> None:
        self.concurrency = concurrency
        self.log = log_dir / "worker.log"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "norec_portal.settings",
            "EMAIL_URL": smtp_url,
        }
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> CeleryWorker:
        from norec_portal.celery import app

        log = open(self.log, "wb")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            [python(), "-m", "celery", "-A", "norec_portal", "worker", "-l", "WARNING",
             "-c", str(self.concurrency), "-P", "prefork", "-n", f"bench-{uuid.uuid4().hex[:6]}@%h",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        wait_until(lambda: bool(app.control.ping(timeout=0.5)), 90, "the Celery worker")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


# --- Measurements ---------------------------------------------------------------------------


@dataclass
class PipelineResult:
    campaign: Campaign
    queue_seconds: float
    total_seconds: float
    received: int
    duplicates: int
    missing: int
    unexpected: int
    rows_sent: int
    rows_other: dict[str, int]
    peak_worker_total: int
    peak_worker_process: int
    worker_processes: int

    @property
    def throughput(self) -> float:
        return len(self.campaign.recipients) / self.total_seconds if self.total_seconds else 0.0

    @property
    def exactly_once(self) -> bool:
        return not (self.duplicates or self.missing or self.unexpected) and self.rows_sent == len(
            self.campaign.recipients
        )


def run_pipeline(directory: Path, count: int) -> PipelineResult:
    from norec_portal.celery import app

    # Wake-up hints left in the bench broker by earlier steps (e.g. enrolment emails)
    # would make the workers send other mail; the rows themselves stay in the outbox.
    app.control.purge()
    with (
        SMTPSink(directory, "pipeline") as sink,
        CeleryWorker(smtp_url=sink.url, log_dir=directory, concurrency=WORKER_PROCESSES) as worker,
        MemorySampler(worker.process.pid) as memory,
    ):
        started = time.time()
        campaign = queue_newsletter(count)
        queued = time.time()
        rows = OutboxEmail.objects.filter(idempotency_key__startswith=campaign.key_prefix)
        expected = len(campaign.recipients)

        def done() -> bool:
            if count_log(sink.log) < expected:
                return False
            return not rows.exclude(state=OutboxEmail.State.SENT).exists()

        wait_until(done, max(300.0, expected / 20), "the newsletter to be delivered")
        time.sleep(1.0)  # anything sent twice would arrive now
        received = sink.received()
        workers = len(memory.peak_by_pid)
    counts = Counter(rcpt for rcpt, _mid, _at in received)
    wanted = Counter(campaign.recipients)
    last = max((at for rcpt, _mid, at in received if rcpt in wanted), default=queued)
    states = Counter(rows.values_list("state", flat=True))
    return PipelineResult(
        campaign=campaign,
        queue_seconds=queued - started,
        total_seconds=last - started,
        received=sum(counts[r] for r in wanted),
        duplicates=sum(max(counts[r] - 1, 0) for r in wanted),
        missing=sum(1 for r in wanted if not counts[r]),
        unexpected=sum(n for r, n in counts.items() if r not in wanted),
        rows_sent=states.pop(OutboxEmail.State.SENT, 0),
        rows_other=dict(states),
        peak_worker_total=memory.peak_total,
        peak_worker_process=memory.peak_single,
        worker_processes=workers,
    )


@dataclass
class LoopResult:
    messages: int
    seconds: float
    received: int

    @property
    def throughput(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0


def run_bare_loop(directory: Path, count: int) -> LoopResult:
    """``count`` prebuilt messages over one ``smtplib`` connection: the ceiling."""
    recipients = newsletter_recipients(count)
    prebuilt = []
    for number, (address, first_name) in enumerate(recipients):
        subject, text, html = newsletter_message(first_name, number)
        message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [address])
        message.attach_alternative(html, "text/html")
        prebuilt.append((address, message.message().as_bytes(linesep="\r\n")))
    sender = settings.DEFAULT_FROM_EMAIL
    with SMTPSink(directory, "loop") as sink:
        started = time.time()
        with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
            for address, data in prebuilt:
                smtp.sendmail(sender, [address], data)
        seconds = time.time() - started
        wait_until(lambda: count_log(sink.log) >= count, 60, "the loop's messages")
        received = count_log(sink.log)
    return LoopResult(messages=count, seconds=seconds, received=received)


def report(pipeline: PipelineResult, loop: LoopResult) -> str:
    share = pipeline.throughput / loop.throughput if loop.throughput else 0.0
    expected = len(pipeline.campaign.recipients)
    other = ", ".join(f"{n} {state}" for state, n in pipeline.rows_other.items()) or "none"
    rows = [
        ["Bare `smtplib` loop, one connection (ceiling)", f"{loop.messages:,}",
         f"{loop.seconds:.1f}", f"{loop.throughput:.0f}", "100 %", f"{loop.received:,} received"],
        ["Outbox + Celery (2 processes), queue → last message accepted", f"{expected:,}",
         f"{pipeline.total_seconds:.1f}", f"{pipeline.throughput:.0f}", f"{share:.0%}",
         f"queueing took {pipeline.queue_seconds:.1f} s"],
    ]  # fmt: skip
    checks = [
        ["All delivered exactly once", verdict(pipeline.exactly_once),
         f"{pipeline.received:,} of {expected:,} received; {pipeline.duplicates} duplicates, "
         f"{pipeline.missing} missing, {pipeline.unexpected} unexpected; outbox rows sent: "
         f"{pipeline.rows_sent:,}, other states: {other}"],
        [f"Pipeline throughput ≥ {THROUGHPUT_SHARE:.0%} of the bare loop",
         verdict(share >= THROUGHPUT_SHARE), f"{share:.0%}"],
        ["Peak worker memory (reported)", "reported",
         f"{mb(pipeline.peak_worker_total)} for the worker and its pool "
         f"({pipeline.worker_processes} processes); largest single process "
         f"{mb(pipeline.peak_worker_process)}"],
    ]  # fmt: skip
    return "\n\n".join([
        f"What was sent: {pipeline.campaign.description}. Both runs deliver to a local "
        "SMTP server (`bench/smtp_sink.py`, aiosmtpd, its own process) that accepts every "
        "message at once. The pipeline time runs from the call that queues the newsletter to "
        "the moment the server accepted its last message; the loop's messages are built "
        "before its clock starts. Workers: one `celery worker -c 2` (prefork), "
        f"`OUTBOX_BATCH_SIZE={settings.OUTBOX_BATCH_SIZE}`.",
        table(["Run", "messages", "seconds", "messages/s", "of loop", "note"], rows),
        table(["Target", "result", "detail"], checks),
    ])  # fmt: skip


def run(*, messages: int = MESSAGES) -> str:
    directory = Path(tempfile.mkdtemp(prefix="norec-bench-mail-"))
    loop = run_bare_loop(directory, messages)
    print(f"[bench] mail: bare loop {loop.throughput:.0f} messages/s", file=sys.stderr)
    pipeline = run_pipeline(directory, messages)
    return report(pipeline, loop)

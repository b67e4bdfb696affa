"""Mail: a newsletter to every member of the scale network (12,000) through the
network app's own sending service, the outbox and real Celery workers, delivered exactly
once at ten times the production pace or faster; and, for comparison, a bare ``smtplib``
loop sending the same messages, built beforehand, over one connection to the same kind
of SMTP server.
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

from network.models import Newsletter
from network.services import newsletters
from norec_portal.models import OutboxEmail

from .common import ROOT, MemorySampler, mb, python, table, verdict, wait_until
from .pages import free_port
from .smtp_sink import count_log
from .world import top_up_members

MESSAGES = 12_000
# Production paces a newsletter at NEWSLETTER_CHUNK_SIZE members every
# NEWSLETTER_CHUNK_SECONDS (20 a second by default); the pipeline must manage ten times that.
PACE_FACTOR = 10
WORKER_PROCESSES = 2
# The sending pace of production (NEWSLETTER_CHUNK_SECONDS between chunks) protects the
# mail server's reputation; the benchmark measures what the pipeline can do, so no pause.
# No debug mode either, as in production (it would log every query of the workers).
WORKER_SETTINGS = {
    "NEWSLETTER_CHUNK_SECONDS": "0",
    "NEWSLETTER_CHUNK_SIZE": "500",
    "DEBUG": "false",
}

BODY = """This month the network met in Nairobi and online: thank you to everyone who came,
shared their experience of the exchange and helped plan the next meetings.

## Resource persons

Staff are looking for lecturers in **public health**, **agriculture** and **journalism**
for the coming training weeks in Bangkok, Johannesburg and Kampala. Update your profile if
you can help.

## Webinar

*Knowledge sharing after the exchange*, on the first Thursday of next month at 14:00 Oslo
time. Sign up from your member page.

Your contact details: if your address or phone number has changed, correct them yourself
from the link on your member page, so that we can keep in touch.
"""


@dataclass
class Campaign:
    """The newsletter, a description for the report, and the addresses expected at the
    SMTP server (each exactly once)."""

    newsletter: Newsletter
    description: str
    recipients: list[str]

    @property
    def key_prefix(self) -> str:
        return f"newsletter:{self.newsletter.pk}:member:"


def prepare_newsletter(members: int = MESSAGES) -> Campaign:
    """A newsletter draft to all members, written with the staff service, on a network
    grown to ``members`` members if it is smaller."""
    top_up_members(target=members)
    newsletter = newsletters.create_newsletter(
        draft=newsletters.Draft(subject="Norec Network newsletter – November", body=BODY),
        by=None,
    )
    audience = newsletters.recipients(newsletter).values_list("person__email", flat=True)
    recipients = list(audience)
    return Campaign(
        newsletter=newsletter,
        description=(
            f"the monthly newsletter (Markdown, personalised greeting and unsubscribe links) "
            f"to all {len(recipients):,} members of the scale network, sent with "
            "`network.services.newsletters.start_sending`"
        ),
        recipients=recipients,
    )


def prebuilt_messages(campaign: Campaign) -> list[tuple[str, bytes]]:
    """Every member's message as the outbox would send it, serialised: the loop's input."""
    members = newsletters.recipients(campaign.newsletter).select_related("person").order_by("pk")
    built = []
    for member in members:
        spec = newsletters.member_spec(campaign.newsletter, member)
        message = EmailMultiAlternatives(
            spec.subject, spec.text, settings.DEFAULT_FROM_EMAIL, [spec.to], headers=spec.headers
        )
        message.attach_alternative(spec.html, "text/html")
        built.append((spec.to, message.message().as_bytes(linesep="\r\n")))
    return built


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
            **WORKER_SETTINGS,
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


def run_pipeline(directory: Path, campaign: Campaign) -> PipelineResult:
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
        newsletters.start_sending(newsletter=campaign.newsletter)
        queued = time.time()
        rows = OutboxEmail.objects.filter(idempotency_key__startswith=campaign.key_prefix)
        expected = len(campaign.recipients)

        def done() -> bool:
            if count_log(sink.log) < expected:
                return False
            campaign.newsletter.refresh_from_db(fields=["status"])
            finished = campaign.newsletter.status == Newsletter.Status.SENT
            return finished and not rows.exclude(state=OutboxEmail.State.SENT).exists()

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


def run_bare_loop(directory: Path, campaign: Campaign, *, name: str = "loop") -> LoopResult:
    """The campaign's messages, prebuilt, over one ``smtplib`` connection (comparison)."""
    prebuilt = prebuilt_messages(campaign)
    sender = settings.DEFAULT_FROM_EMAIL
    with SMTPSink(directory, name) as sink:
        started = time.time()
        with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
            for address, data in prebuilt:
                smtp.sendmail(sender, [address], data)
        seconds = time.time() - started
        wait_until(lambda: count_log(sink.log) >= len(prebuilt), 60, "the loop's messages")
        received = count_log(sink.log)
    return LoopResult(messages=len(prebuilt), seconds=seconds, received=received)


def production_pace() -> float:
    """Messages a second at which production sends a newsletter (the settings' chunks)."""
    return settings.NEWSLETTER_CHUNK_SIZE / settings.NEWSLETTER_CHUNK_SECONDS


def report(pipeline: PipelineResult, loop: LoopResult) -> str:
    pace = production_pace()
    target = PACE_FACTOR * pace
    expected = len(pipeline.campaign.recipients)
    other = ", ".join(f"{n} {state}" for state, n in pipeline.rows_other.items()) or "none"
    rows = [
        ["Newsletter service + outbox + Celery (2 processes), start → last message accepted",
         f"{expected:,}", f"{pipeline.total_seconds:.1f}", f"{pipeline.throughput:.0f}",
         f"`start_sending` returned in {pipeline.queue_seconds:.2f} s"],
        ["Bare `smtplib` loop, one connection, prebuilt messages (comparison)",
         f"{loop.messages:,}", f"{loop.seconds:.1f}", f"{loop.throughput:.0f}",
         f"{loop.received:,} received"],
    ]  # fmt: skip
    checks = [
        ["All delivered exactly once", verdict(pipeline.exactly_once),
         f"{pipeline.received:,} of {expected:,} received; {pipeline.duplicates} duplicates, "
         f"{pipeline.missing} missing, {pipeline.unexpected} unexpected; outbox rows sent: "
         f"{pipeline.rows_sent:,}, other states: {other}"],
        [f"Pipeline ≥ {target:.0f} messages/s ({PACE_FACTOR}× the production pace of "
         f"{pace:g}/s)", verdict(pipeline.throughput >= target),
         f"{pipeline.throughput:.0f} messages/s"],
        ["Peak worker memory (reported)", "reported",
         f"{mb(pipeline.peak_worker_total)} for the worker and its pool "
         f"({pipeline.worker_processes} processes); largest single process "
         f"{mb(pipeline.peak_worker_process)}"],
    ]  # fmt: skip
    return "\n\n".join([
        f"What was sent: {pipeline.campaign.description}. Both runs deliver to a local "
        "SMTP server (`bench/smtp_sink.py`, aiosmtpd, its own process) that accepts every "
        "message at once. The pipeline time runs from `start_sending` to the moment the "
        "server accepted the last message: the workers render each member's copy into the "
        "outbox chunk by chunk and deliver it. Production sends "
        f"`NEWSLETTER_CHUNK_SIZE={settings.NEWSLETTER_CHUNK_SIZE}` members every "
        f"`NEWSLETTER_CHUNK_SECONDS={settings.NEWSLETTER_CHUNK_SECONDS:g}` ({pace:g} "
        f"messages/s); the target is {PACE_FACTOR}× that. Workers: one `celery worker -c 2` "
        f"(prefork), `OUTBOX_BATCH_SIZE={settings.OUTBOX_BATCH_SIZE}`, "
        + ", ".join(f"`{k}={v}`" for k, v in WORKER_SETTINGS.items())
        + " (no pause between chunks: the benchmark measures capacity). The loop sends the "
        "same messages, rendered and serialised before its clock starts: a figure for "
        "comparison, not a target.",
        table(["Run", "messages", "seconds", "messages/s", "note"], rows),
        table(["Target", "result", "detail"], checks),
    ])  # fmt: skip


def run(*, messages: int = MESSAGES) -> str:
    directory = Path(tempfile.mkdtemp(prefix="norec-bench-mail-"))
    campaign = prepare_newsletter(messages)
    pipeline = run_pipeline(directory, campaign)
    print(f"[bench] mail: pipeline {pipeline.throughput:.0f} messages/s", file=sys.stderr)
    loop = run_bare_loop(directory, campaign)
    print(f"[bench] mail: bare loop {loop.throughput:.0f} messages/s", file=sys.stderr)
    return report(pipeline, loop)

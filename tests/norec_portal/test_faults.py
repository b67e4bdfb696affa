"""The outbox under faults, on the real stack: Celery worker processes killed with SIGKILL,
the broker restarted and flushed, the broker restarted while the worker holds a delayed task,
an SMTP server that greylists and refuses, the same campaign started twice, and a task that
outlives the broker's visibility timeout.

Each test runs a small campaign; ``bench/faults.py`` runs the same scenarios with 5,000
messages and records the counts. Every scenario is checked against the same guarantees
(:func:`broken_guarantees`): nobody lost, duplicates only inside the crash window, a 550 is
tried once and never again, no row left ``sending``.

The tests that restart or flush Redis do it on a private ``redis-server`` started for the
test, never on the shared one.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from math import ceil
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from kombu import Connection

from norec_portal import outbox
from norec_portal.models import OutboxEmail
from norec_portal.tasks import deliver_emails, sweep_outbox
from tests.conftest import need_stack
from tests.smtp_server import HashedFaults, RecordingHandler, SMTPServer
from tests.stack import (
    RedisServer,
    Worker,
    celery_broker,
    reset_celery_connections,
    stack_problem,
    tasks_through_broker,
    wait_for,
)

State = OutboxEmail.State
pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]

# The broker's visibility timeout in the scenario where a task outlives it.
VISIBILITY_TIMEOUT = 2


@dataclass
class Rig:
    """What a scenario runs on: a private Redis, a folder for logs, the test database."""

    log_dir: Path
    redis: RedisServer

    def worker(self, smtp_url: str, **options: str) -> Worker:
        return Worker(
            smtp_url=smtp_url, log_dir=self.log_dir, CELERY_BROKER_URL=self.redis.url, **options
        )


@dataclass
class FaultRun:
    """What happened in one scenario, counted."""

    scenario: str
    total: int
    recipients: list[str] = field(default_factory=list)
    permanent: set[str] = field(default_factory=set)  # recipients the server answers 550
    kills: int = 0
    in_flight: int = 0  # rows claimed (sending) when a worker was killed
    window: int = 0  # of those, already accepted by the SMTP server: the crash window
    per_kill: list[tuple[int, int]] = field(default_factory=list)  # (in flight, window)
    broker_faults: int = 0  # Redis restarts and flushes
    hints_lost: int = 0  # task messages Redis held when it was restarted or flushed
    extra_tasks: int = 0  # delivery tasks sent on top of the normal ones
    both_requested: int = 0  # rows both starts of a doubled campaign asked to deliver
    redelivered: int = 0  # tasks Redis handed out again while the first copy still ran
    # Seconds from the broker answering again to the first message queued after the fault
    # reaching the SMTP server, when the scenario measures it.
    recovery: float | None = None
    # After each kill and restart: seconds until the new worker delivered its first message,
    # and until every row the killed worker held was sent (the lease ran out, the sweep
    # handed it out again).
    kill_recovery: list[tuple[float, float]] = field(default_factory=list)
    worker_exits: int = 0  # worker processes that ended by themselves during the scenario
    elapsed: float = 0.0
    # Filled in by ``collect``:
    deliveries: Counter[str] = field(default_factory=Counter)
    refusals: Counter[tuple[str, str]] = field(default_factory=Counter)
    sent: int = 0
    failed: int = 0
    retried: int = 0  # rows that needed more than one attempt
    sending_left: int = 0
    retried_recipients: set[str] = field(default_factory=set)
    failed_once: set[str] = field(default_factory=set)  # FAILED after exactly one attempt

    @property
    def duplicates(self) -> int:
        return sum(n - 1 for n in self.deliveries.values() if n > 1)

    @property
    def lost(self) -> list[str]:
        return [r for r in self.recipients if r not in self.permanent and not self.deliveries[r]]

    def collect(self, handler: RecordingHandler) -> FaultRun:
        self.deliveries = handler.counts()
        self.refusals = Counter((to, reply[:3]) for to, reply in handler.refusals)
        rows = OutboxEmail.objects.filter(to_email__in=self.recipients)
        self.sent = rows.filter(state=State.SENT).count()
        self.failed = rows.filter(state=State.FAILED).count()
        self.sending_left = rows.filter(state=State.SENDING).count()
        self.retried_recipients = set(
            rows.filter(attempts__gt=1).values_list("to_email", flat=True)
        )
        self.retried = len(self.retried_recipients)
        self.failed_once = set(
            rows.filter(state=State.FAILED, attempts=1).values_list("to_email", flat=True)
        )
        return self

    def summary(self) -> str:
        return (
            f"{self.scenario}: {self.total} messages, sent {self.sent}, failed {self.failed}, "
            f"retried {self.retried}, duplicates {self.duplicates} (crash window "
            f"{self.window}), kills {self.kills}, broker faults {self.broker_faults} "
            f"({self.hints_lost} queued tasks lost), extra tasks {self.extra_tasks}, "
            f"redelivered while running {self.redelivered}, worker exits "
            f"{self.worker_exits}, "
            + (f"recovery {self.recovery:.1f}s, " if self.recovery is not None else "")
            + f"{self.elapsed:.1f}s"
            + "".join(
                f"\n  kill {n}: {claimed} row(s) in flight, {window} sent but not yet marked"
                for n, (claimed, window) in enumerate(self.per_kill, start=1)
            )
        )


def broken_guarantees(run: FaultRun) -> list[str]:
    """The promises of the outbox, checked after a scenario; an empty list means all held."""
    problems = []
    if run.worker_exits:
        problems.append(f"{run.worker_exits} worker process(es) exited by themselves")
    if run.lost:
        problems.append(f"{len(run.lost)} recipient(s) lost, e.g. {run.lost[:3]}")
    if run.duplicates > run.window:
        problems.append(
            f"{run.duplicates} duplicate(s), more than the {run.window} message(s) sent but "
            "not yet marked when a worker was killed"
        )
    for to in sorted(run.permanent):
        if run.refusals[(to, "550")] != 1 or run.deliveries[to] or to not in run.failed_once:
            problems.append(
                f"{to}: asked {run.refusals[(to, '550')]} time(s) after a 550, "
                f"delivered {run.deliveries[to]} time(s); must fail after exactly one try"
            )
    if run.sending_left:
        problems.append(f"{run.sending_left} row(s) left sending")
    if run.sent + run.failed != run.total:
        problems.append(f"sent {run.sent} + failed {run.failed} != {run.total} queued")
    if run.failed != len(run.permanent):
        problems.append(f"{run.failed} failed, only {len(run.permanent)} were refused with 550")
    return problems


# --- building blocks ----------------------------------------------------------------------


def queue_campaign(prefix: str, total: int) -> list[str]:
    recipients = [f"{prefix}{i}@example.org" for i in range(total)]
    outbox.queue_emails(campaign_specs(prefix, recipients))
    return recipients


def campaign_specs(prefix: str, recipients: list[str]) -> list[outbox.EmailSpec]:
    return [
        outbox.EmailSpec(key=f"{prefix}:{i}", to=to, subject="Norec Network news", text="Hello")
        for i, to in enumerate(recipients)
    ]


def finished(total: int) -> bool:
    return OutboxEmail.objects.filter(state__in=[State.SENT, State.FAILED]).count() >= total


def finish_timeout(total: int) -> float:
    return 90 + total * 0.05


def delivered(handler: RecordingHandler) -> int:
    with handler.lock:
        return len(handler.received)


# --- the scenarios (also run by bench/faults.py) --------------------------------------------


def recovery_after_restart(
    handler: RecordingHandler, held: set[str], total: int
) -> tuple[float, float]:
    """Seconds from a restart until the first delivery, and until every row in ``held``
    (claimed by the killed worker) is sent or failed."""
    restarted, before = time.monotonic(), delivered(handler)
    wait_for(lambda: delivered(handler) > before or finished(total), finish_timeout(total),
             "a delivery after the restart")  # fmt: skip
    first = time.monotonic() - restarted
    done = [State.SENT, State.FAILED]
    wait_for(
        lambda: not OutboxEmail.objects.filter(to_email__in=held).exclude(state__in=done).exists(),
        finish_timeout(total),
        "the rows the killed worker held",
    )
    return first, time.monotonic() - restarted


def run_worker_kills(
    rig: Rig,
    total: int,
    *,
    every: float = 2.0,
    max_kills: int = 4,
    delay: float = 0.01,
    measure_recovery: bool = False,
) -> FaultRun:
    """(a) SIGKILL the worker, its pool and its beat every few seconds; restart each time."""
    run = FaultRun(
        "worker killed once, recovery timed" if measure_recovery else "worker killed with SIGKILL",
        total,
    )
    handler = RecordingHandler(delay=delay)
    # Deliveries of still-unmarked rows already counted in the window at an earlier kill.
    counted: Counter[str] = Counter()
    started = time.monotonic()
    with SMTPServer(handler) as smtp:
        worker = rig.worker(smtp.url)
        worker.start()
        try:
            run.recipients = queue_campaign("kills", total)
            deadline = time.monotonic() + finish_timeout(total)
            while run.kills < max_kills and not finished(total) and time.monotonic() < deadline:
                progress = delivered(handler)
                time.sleep(every)
                if delivered(handler) == progress:
                    continue  # nothing on the wire just now: a kill would prove nothing
                worker.kill()
                run.kills += 1
                # A message whose last bytes were on the wire when the process died is
                # recorded by the server a moment later.
                time.sleep(0.3 + delay)
                claimed = set(
                    OutboxEmail.objects.filter(state=State.SENDING).values_list(
                        "to_email", flat=True
                    )
                )
                deliveries = handler.counts()
                window = sum(deliveries[to] - counted[to] for to in claimed)
                counted.update({to: deliveries[to] - counted[to] for to in claimed})
                run.per_kill.append((len(claimed), window))
                run.in_flight += len(claimed)
                run.window += window
                worker.start()
                if measure_recovery:  # waits for the lease: fewer kills in a short run
                    run.kill_recovery.append(recovery_after_restart(handler, claimed, total))
            wait_for(lambda: finished(total), finish_timeout(total), "all deliveries")
        finally:
            worker.stop()
    run.elapsed = time.monotonic() - started
    return run.collect(handler)


def run_broker_faults(rig: Rig, total: int, *, delay: float = 0.01) -> FaultRun:
    """(b) Restart Redis mid-campaign (it loses every queued task), later FLUSHALL it."""
    run = FaultRun("Redis restarted, then flushed", total)
    handler = RecordingHandler(delay=delay)
    started = time.monotonic()
    with SMTPServer(handler) as smtp:
        worker = rig.worker(smtp.url)
        worker.start()
        try:
            run.recipients = queue_campaign("broker", total)
            for share, fault in [(0.2, "restart"), (0.5, "flush")]:
                wait_for(
                    lambda share=share: delivered(handler) >= total * share,
                    finish_timeout(total),
                    f"{share:.0%} delivered",
                )
                run.hints_lost += rig.redis.queued_tasks()
                if fault == "restart":
                    rig.redis.restart(down_for=1.0)
                    # This process's pooled broker connections died with the server.
                    reset_celery_connections()
                else:
                    rig.redis.flushall()
                run.broker_faults += 1
            wait_for(lambda: finished(total), finish_timeout(total), "all deliveries")
        finally:
            worker.stop()
    run.elapsed = time.monotonic() - started
    return run.collect(handler)


def run_broker_restart_holding_tasks(
    rig: Rig, total: int, *, delay: float = 0.01, down_for: float = 1.0
) -> FaultRun:
    """(f) Restart Redis while the worker holds a delayed task (a countdown, as a paced
    newsletter's next chunk used to be), unacknowledged, and waits for new tasks.

    The same worker process must reconnect and deliver what is queued afterwards: nothing
    restarts it. ``recovery`` is the time from Redis answering again to the first message
    queued after the restart reaching the SMTP server.
    """
    run = FaultRun("Redis restarted while the worker holds a delayed task", total)
    handler = RecordingHandler(delay=delay)
    before, after = total // 2, total - total // 2
    started = time.monotonic()
    with SMTPServer(handler) as smtp:
        # INFO: the log then shows the reconnection, and the exit if there is one.
        worker = rig.worker(smtp.url, loglevel="INFO")
        worker.start()
        try:
            held = sweep_outbox.apply_async(countdown=600)
            wait_for(
                lambda: rig.redis.holds_unacked(held.id), 30, "the worker to hold the delayed task"
            )
            run.recipients = queue_campaign("held", before)
            # Between campaigns: the worker waits on Redis for new tasks (a blocking BRPOP)
            # while the delayed task stays unacknowledged, which is the case that broke.
            wait_for(lambda: finished(before), finish_timeout(before), "the first deliveries")
            assert rig.redis.holds_unacked(held.id)
            run.hints_lost += rig.redis.queued_tasks()
            rig.redis.restart(down_for=down_for)
            back = time.monotonic()
            run.broker_faults += 1
            reset_celery_connections()
            later = set(queue_campaign("after", after))
            run.recipients += sorted(later)

            def later_delivered() -> bool:
                if worker.process is None or worker.process.poll() is not None:
                    raise AssertionError(
                        "the worker exited after the Redis restart:\n" + worker.log()
                    )
                with handler.lock:
                    return any(to in later for to, _mid in handler.received)

            wait_for(later_delivered, finish_timeout(after), "a message queued after the restart")
            run.recovery = time.monotonic() - back
            wait_for(lambda: finished(total), finish_timeout(total), "all deliveries")
        finally:
            if worker.process is not None and worker.process.poll() is not None:
                run.worker_exits += 1
            worker.stop()
    run.elapsed = time.monotonic() - started
    return run.collect(handler)


def run_smtp_refusals(rig: Rig, total: int) -> FaultRun:
    """(c) The server greylists ~5 % of recipients (421/451) and refuses ~1 % (550)."""
    run = FaultRun("SMTP 421/451 for ~5 %, 550 for ~1 %", total)
    faults = HashedFaults(transient=0.05, permanent=0.01)
    handler = RecordingHandler(rule=faults)
    started = time.monotonic()
    with SMTPServer(handler) as smtp:
        worker = rig.worker(smtp.url)
        worker.start()
        try:
            run.recipients = queue_campaign("codes", total)
            run.permanent = {to for to in run.recipients if faults.is_permanent(to)}
            wait_for(lambda: finished(total), finish_timeout(total), "all outcomes")
        finally:
            worker.stop()
    run.elapsed = time.monotonic() - started
    return run.collect(handler)


def run_double_start(rig: Rig, total: int) -> FaultRun:
    """(d) The same campaign queued by two threads at once, plus duplicate delivery tasks."""
    run = FaultRun("same campaign started twice at once", total)
    handler = RecordingHandler()
    recipients = [f"double{i}@example.org" for i in range(total)]
    specs = campaign_specs("double", recipients)
    barrier = threading.Barrier(2)
    requested: list[list[int]] = []
    errors: list[BaseException] = []

    def start_campaign() -> None:
        try:
            barrier.wait(timeout=10)
            requested.append(outbox.queue_emails(specs))
        except BaseException as exc:  # reported by the test, not lost in the thread
            errors.append(exc)
        finally:
            connections.close_all()

    started = time.monotonic()
    with SMTPServer(handler) as smtp:
        worker = rig.worker(smtp.url)
        worker.start()
        try:
            threads = [threading.Thread(target=start_campaign) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            assert not errors, errors
            run.recipients = recipients
            # Each start asks for delivery of the rows it found pending, a task per batch;
            # one start alone would have needed ceil(total / batch) tasks.
            batch = settings.OUTBOX_BATCH_SIZE
            run.both_requested = len(set(requested[0]) & set(requested[1]))
            run.extra_tasks = sum(ceil(len(ids) / batch) for ids in requested) - ceil(total / batch)
            ids = list(OutboxEmail.objects.order_by("pk").values_list("pk", flat=True))
            for start in range(0, len(ids), batch):
                for _copy in range(2):
                    deliver_emails.delay(ids[start : start + batch])
                    run.extra_tasks += 1
            deliver_emails.delay()
            run.extra_tasks += 1
            wait_for(lambda: finished(total), finish_timeout(total), "all deliveries")
        finally:
            worker.stop()
    run.elapsed = time.monotonic() - started
    return run.collect(handler)


def run_visibility_timeout(rig: Rig, total: int, *, delay: float = 0.03) -> FaultRun:
    """(e) Tasks outlive the broker's visibility timeout, so Redis hands them out again
    while the first copy still runs.

    kombu puts an unacknowledged message back in the queue once it is older than the
    visibility timeout, in ``restore_visible``; each worker calls it on a timer that fires
    every 100 s by default. The test calls the same function every half second, with the
    same 2-second timeout the worker has, so the redelivery happens within the campaign.
    """
    run = FaultRun(f"task outlives a {VISIBILITY_TIMEOUT} s visibility timeout", total)
    handler = RecordingHandler(delay=delay)
    started = time.monotonic()
    with SMTPServer(handler) as smtp:
        worker = rig.worker(
            smtp.url, loglevel="INFO", CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT)
        )
        worker.start()
        try:
            run.recipients = queue_campaign("visibility", total)
            options = {"visibility_timeout": VISIBILITY_TIMEOUT}
            with Connection(rig.redis.url, transport_options=options) as broker:
                qos = broker.default_channel.qos
                deadline = time.monotonic() + finish_timeout(total)
                while not finished(total) and time.monotonic() < deadline:
                    qos.restore_visible(num=100, interval=1)
                    time.sleep(0.5)
            wait_for(lambda: finished(total), 30, "all deliveries")
        finally:
            worker.stop()
    executions = task_executions(worker.full_log(), "norec_portal.tasks.deliver_emails")
    run.redelivered = sum(1 for runs in executions.values() if overlapping(runs))
    run.elapsed = time.monotonic() - started
    return run.collect(handler)


SCENARIOS: dict[str, Callable[..., FaultRun]] = {
    "kills": run_worker_kills,
    "kill_recovery": run_worker_kills,
    "broker": run_broker_faults,
    "held": run_broker_restart_holding_tasks,
    "smtp": run_smtp_refusals,
    "double": run_double_start,
    "visibility": run_visibility_timeout,
}

# --- reading the worker's log ---------------------------------------------------------------

LOG_LINE = re.compile(
    r"^\[(?P<at>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}): INFO/(?P<process>[\w-]+)\] "
    r"Task (?P<task>[\w.]+)\[(?P<id>[0-9a-f-]{36})\] succeeded in (?P<secs>[\d.]+)s"
)


def task_executions(log: str, task: str) -> dict[str, list[tuple[float, float]]]:
    """Each task id's executions as (start, end) times, from Celery's INFO log lines."""
    executions: dict[str, list[tuple[float, float]]] = {}
    for line in log.splitlines():
        match = LOG_LINE.match(line)
        if match and match["task"] == task:
            end = datetime.strptime(match["at"], "%Y-%m-%d %H:%M:%S,%f").timestamp()  # noqa: DTZ007
            executions.setdefault(match["id"], []).append((end - float(match["secs"]), end))
    return executions


def overlapping(runs: list[tuple[float, float]]) -> bool:
    """Did two executions of one task run at the same time?"""
    runs = sorted(runs)
    return any(later[0] < earlier[1] for earlier, later in zip(runs, runs[1:], strict=False))


# --- the tests ------------------------------------------------------------------------------


@pytest.fixture
def rig(transactional_db, tmp_path):
    problem = stack_problem()
    if problem:
        need_stack(problem)
    if RedisServer.binary() is None:
        need_stack("redis-server is not installed: the fault tests start a private one")
    redis_server = RedisServer(tmp_path)
    redis_server.start()
    try:
        with tasks_through_broker(), celery_broker(redis_server.url):
            yield Rig(log_dir=tmp_path, redis=redis_server)
    finally:
        redis_server.stop()


def check(run: FaultRun, worker_log: str = "") -> None:
    print(run.summary())
    problems = broken_guarantees(run)
    assert not problems, "\n".join(problems) + "\n" + worker_log


def test_worker_killed_every_few_seconds_loses_nobody(rig):
    run = run_worker_kills(rig, 400, every=1.5, max_kills=3, delay=0.01)
    check(run)
    assert run.kills >= 2, "the campaign ended before the worker could be killed twice"
    assert run.in_flight > 0, "no kill caught a batch in flight"
    # At most one message per pool process (concurrency 2) is sent but unmarked at a kill.
    assert run.window <= run.kills * 2


def test_redis_restarted_and_flushed_mid_campaign_loses_nobody(rig):
    run = run_broker_faults(rig, 500, delay=0.01)
    check(run)
    assert run.broker_faults == 2
    # Redis held delivery tasks that died with it: only the database re-drove them.
    assert run.hints_lost > 0
    assert run.duplicates == 0


def test_worker_survives_redis_restart_while_holding_a_delayed_task(rig):
    run = run_broker_restart_holding_tasks(rig, 300, delay=0.01)
    check(run)
    assert run.worker_exits == 0
    assert run.recovery is not None
    assert run.duplicates == 0


def test_greylisting_is_retried_and_550_is_never_retried(rig):
    run = run_smtp_refusals(rig, 400)
    faults = HashedFaults(transient=0.05, permanent=0.01)
    transient = {to for to in run.recipients if faults.is_transient(to)}
    assert run.permanent and transient, "the sample has no refused recipients"
    check(run)
    assert run.duplicates == 0
    # Exactly the greylisted recipients needed a second try; nobody else paid for them
    # (a 421 closes the connection, and the next message must not be charged for it).
    assert run.retried_recipients == transient
    for to in transient:
        assert sum(n for (rcpt, _code), n in run.refusals.items() if rcpt == to) == (
            faults.transient_tries(to)
        )
        assert run.deliveries[to] == 1


def test_same_campaign_started_twice_at_once_sends_each_message_once(rig):
    run = run_double_start(rig, 400)
    check(run)
    assert OutboxEmail.objects.count() == 400, "the second start queued messages again"
    print(f"rows both starts asked to deliver: {run.both_requested}")
    assert run.extra_tasks > 0
    assert run.duplicates == 0
    assert set(run.deliveries.values()) == {1}


def test_task_redelivered_after_the_visibility_timeout_sends_nothing_twice(rig):
    run = run_visibility_timeout(rig, 300, delay=0.03)
    check(run)
    assert run.redelivered > 0, "no task was redelivered while its first copy still ran"
    assert run.duplicates == 0

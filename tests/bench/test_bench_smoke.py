"""The benchmark harness imports, and its parts work on small data (no timings asserted)."""

from __future__ import annotations

import importlib
import smtplib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench import common, growth, loadgen, mail, pages
from bench.common import seed
from bench.world import make_session, prepare_world
from network.services import newsletters
from norec_portal.models import OutboxEmail

MODULES = ["bench.common", "bench.documents", "bench.enrolment", "bench.growth", "bench.imports",
           "bench.loadgen", "bench.mail", "bench.pages", "bench.run", "bench.settings",
           "bench.smtp_sink", "bench.urls", "bench.world"]  # fmt: skip


@pytest.mark.parametrize("name", MODULES)
def test_harness_modules_import(name):
    assert importlib.import_module(name).__doc__


def test_run_refuses_unknown_areas():
    from bench import run

    assert run.parse(["mail", "pages"]).areas == ["pages", "mail"]
    assert run.parse([]).areas == list(run.AREAS)
    with pytest.raises(SystemExit):
        run.parse(["everything"])


def test_a_section_is_rewritten_without_touching_the_others(tmp_path):
    results = tmp_path / "RESULTS.md"
    common.write_section("pages", "## Pages\n\nfirst", results)
    text = results.read_text()
    for key in common.SECTIONS:
        assert f"<!-- bench:{key} -->" in text and f"<!-- /bench:{key} -->" in text
    # Another script's section (bench/faults.py) and a hand-written note stay as they are.
    results.write_text(text + "\nA note by hand.\n\n<!-- bench:faults -->\nfaults\n"
                       "<!-- /bench:faults -->\n")  # fmt: skip
    common.write_section("pages", "## Pages\n\nsecond", results)
    text = results.read_text()
    assert "second" in text and "first" not in text
    assert "A note by hand." in text and "<!-- bench:faults -->\nfaults\n" in text
    assert text.count("<!-- bench:pages -->") == 1


def test_percentiles_are_nearest_rank():
    values = [float(n) for n in range(1, 101)]
    assert common.percentile(values, 50) == 50
    assert common.percentile(values, 95) == 95
    assert common.percentile(values, 99) == 99
    assert common.percentile([], 95) == 0


class _Answer(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the http.server hook
        status = 200 if self.headers.get("Cookie") == "sessionid=good" else 403
        body = b"hello"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_load_generator_counts_answers_and_errors():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        good = loadgen.run_load(host="127.0.0.1", port=port, path="/", clients=2, seconds=0.3,
                                warmup=0.05, cookies=["sessionid=good"])  # fmt: skip
        bad = loadgen.run_load(host="127.0.0.1", port=port, path="/", clients=1, seconds=0.2,
                               warmup=0, cookies=["sessionid=bad"])  # fmt: skip
    finally:
        server.shutdown()
    assert good.latencies and good.errors == 0 and good.throughput > 0
    assert bad.errors == bad.requests > 0 and bad.first_error == "HTTP 403"


def test_the_pages_report_judges_latency_at_eight_clients_and_errors_at_all():
    def result(clients, latencies, seconds=1.0, errors=0):
        load = loadgen.LoadResult(clients=clients, seconds=seconds, latencies=latencies)
        load.errors, load.first_error = errors, "HTTP 500" if errors else ""
        return load

    fast, slow = pages.PAGES[0], pages.PAGES[1]
    loads = [
        pages.PageLoad(pages.TRIVIAL, {8: result(8, [0.01] * 100), 32: result(32, [0.04] * 100)}),
        pages.PageLoad(fast, {8: result(8, [0.05] * 40), 32: result(32, [0.2] * 30)}),
        pages.PageLoad(slow, {8: result(8, [0.3] * 10), 32: result(32, [0.9] * 9, errors=2)}),
        pages.PageLoad(pages.PAGES[2], {}, reason="URL name `x` does not resolve"),
    ]
    info = {"workers": "3", "seconds": "1", "load_before": "0", "load_after": "0"}
    report = pages.pages_report(loads, info, (8, 32))
    missed = report.split("Missed:")[1]
    assert f"- {slow.label} at 8 clients: p95 > 100 ms\n" in missed
    assert f"{slow.label} at 32 clients: 2 errors (HTTP 500)" in missed
    assert f"{fast.label} at" not in missed  # p95 50 ms at 8; 200 ms at 32 is not judged
    assert "Trivial view" not in missed  # a reference, never a target
    assert "not available: URL name `x` does not resolve" in report
    assert "of trivial" not in report and "kept" not in report


@pytest.mark.django_db
def test_query_counts_run_at_small_scale():
    seed(0.02, seed=11)
    world = prepare_world()
    counts = pages.count_page_queries(world)
    assert {c.page.key for c in counts} == {p.key for p in pages.PAGES}
    measured = [c for c in counts if c.queries is not None]
    assert len(measured) >= 4
    assert all(c.status == 200 and c.queries > 0 for c in measured)
    report = pages.queries_report(counts, counts, "twice the same")
    assert all(p.label in report for p in pages.PAGES)


@pytest.mark.django_db
def test_sessions_log_the_personas_in(client):
    seed(0.02, seed=12)
    world = prepare_world()
    client.cookies["sessionid"] = make_session(world, "staff")
    assert client.get(pages.PAGES[0].path()).status_code == 200
    client.cookies["sessionid"] = make_session(world, "coordinator")
    assert client.get("/portal/").status_code == 200


@pytest.mark.django_db
def test_the_newsletter_goes_to_every_member_of_a_grown_network(
    settings, django_capture_on_commit_callbacks
):
    settings.NEWSLETTER_CHUNK_SECONDS = 0
    seed(0.02, seed=13)
    campaign = mail.prepare_newsletter(300)
    assert len(campaign.recipients) == len(set(campaign.recipients)) == 300
    generated = [r for r in campaign.recipients if r.endswith("@members.bench.example")]
    assert 0 < len(generated) < 300  # the scale set's alumni first, then generated alumni
    prebuilt = mail.prebuilt_messages(campaign)
    assert sorted(address for address, _data in prebuilt) == sorted(campaign.recipients)
    assert all(b"List-Unsubscribe-Post" in data for _address, data in prebuilt[:5])
    # What the workers do, run here (eager tasks): the same 300 rows, one per member.
    with django_capture_on_commit_callbacks(execute=True):
        newsletters.start_sending(newsletter=campaign.newsletter)
    rows = OutboxEmail.objects.filter(idempotency_key__startswith=campaign.key_prefix)
    assert sorted(rows.values_list("to_email", flat=True)) == sorted(campaign.recipients)


def test_the_smtp_sink_logs_every_message(tmp_path):
    with mail.SMTPSink(tmp_path, "sink") as sink, smtplib.SMTP("127.0.0.1", sink.port) as smtp:
        for n in range(3):
            smtp.sendmail("a@example.org", [f"r{n}@example.org"],
                          f"Message-ID: <{n}@x>\r\nSubject: s\r\n\r\nbody".encode())  # fmt: skip
    received = sink.received()
    assert sorted(r for r, _mid, _at in received) == ["r0@example.org", "r1@example.org",
                                                       "r2@example.org"]  # fmt: skip
    assert {mid for _r, mid, _at in received} == {"<0@x>", "<1@x>", "<2@x>"}


def _pipeline(messages: int, seconds: float, *, duplicates: int = 0) -> mail.PipelineResult:
    campaign = mail.Campaign(newsletter=None, description="a test",
                             recipients=[f"r{n}@example.org" for n in range(messages)])  # fmt: skip
    return mail.PipelineResult(
        campaign=campaign, queue_seconds=0.01, total_seconds=seconds, received=messages,
        duplicates=duplicates, missing=0, unexpected=0, rows_sent=messages, rows_other={},
        peak_worker_total=1 << 20, peak_worker_process=1 << 20, worker_processes=3,
    )  # fmt: skip


def test_the_mail_target_is_ten_times_the_production_pace(settings):
    settings.NEWSLETTER_CHUNK_SIZE, settings.NEWSLETTER_CHUNK_SECONDS = 200, 10.0
    loop = mail.LoopResult(messages=600, seconds=0.5, received=600)  # 1,200/s, compared only
    fast = mail.report(_pipeline(600, 2.0), loop)  # 300/s
    assert "| Pipeline ≥ 200 messages/s (10× the production pace of 20/s) | met | 300 " in fast
    assert "| All delivered exactly once | met |" in fast
    assert "| 1200 | 600 received |" in fast
    slow = mail.report(_pipeline(600, 4.0, duplicates=1), loop)  # 150/s, one sent twice
    assert "| Pipeline ≥ 200 messages/s (10× the production pace of 20/s) | **missed** |" in slow
    assert "| All delivered exactly once | **missed** |" in slow


def test_the_growth_database_is_the_bench_database_with_x10():
    url = "postgres://postgres@127.0.0.1:5432/norec_bench?sslmode=disable"
    assert common.database_url_with_suffix(url, growth.SUFFIX) == (
        "postgres://postgres@127.0.0.1:5432/norec_bench_x10?sslmode=disable"
    )
    common.check_database_name("norec_bench_x10")
    with pytest.raises(SystemExit):
        common.check_database_name("norec_x10")


def test_the_growth_report_judges_the_ratio_and_the_queries():
    def answer(seconds_by_key, queries=None):
        return {"pages": {key: {"seconds": seconds, "queries": (queries or {}).get(key, 6),
                                "status": 200}
                          for key, seconds in seconds_by_key.items()},
                "sizes": {"people": 100, "alumni": 80}}  # fmt: skip

    rounds = [
        (answer({"trivial": [0.003] * 3, "flat": [0.020] * 3, "steep": [0.020] * 3}),
         answer({"trivial": [0.003] * 3, "flat": [0.025] * 3, "steep": [0.060] * 3})),
        (answer({"trivial": [0.003] * 3, "flat": [0.020] * 3, "steep": [0.020] * 3}),
         answer({"trivial": [0.003] * 3, "flat": [0.025] * 3, "steep": [0.060] * 3},
                {"steep": 7})),
    ]  # fmt: skip
    result = growth.combine(rounds, {"trivial": "Trivial", "flat": "Flat", "steep": "Steep"})
    by_key = {page.key: page for page in result.pages}
    assert result.repeat == 3 and result.rounds == 2
    assert by_key["flat"].ratio == pytest.approx(1.25) and by_key["flat"].ok
    assert by_key["steep"].ratio == pytest.approx(3.0) and not by_key["steep"].ok
    assert by_key["flat"].queries == (6, 6) and by_key["steep"].queries == (6, 7)
    text = growth.report(result)
    assert "| Flat | 20.0 | 25.0 | 1.25× |" in text
    assert "| Steep | 20.0 | 60.0 | 3.00× | 60.0 | 60.0 | 6 → 7 | **missed** |" in text
    assert "**Missed:** Steep." in text
    assert "| Trivial | 3.0 | 3.0 | 1.00× | 3.0 | 3.0 | 6 → 6 | reference |" in text


@pytest.mark.django_db
def test_growth_measures_every_page_on_small_data():
    seed(0.02, seed=14)
    answer = growth.measure(2)
    measured = answer["pages"]
    assert {"staff_participants", "training_forecast"} <= set(measured)
    assert all(len(page["seconds"]) == 2 and page["status"] == 200 and page["queries"] > 0
               for key, page in measured.items() if key != "trivial")  # fmt: skip
    assert answer["sizes"]["alumni"] > 0 and answer["sizes"]["people"] >= answer["sizes"]["alumni"]


@pytest.mark.django_db
def test_the_documents_sessions_respect_the_enrolment_constraints(monkeypatch):
    """Both attendance lists are written in bulk past the services: they must still be
    rows the database accepts (one Training 1 per exchange), run after run."""
    from bench import documents
    from trainings.models import Enrolment

    seed(0.05, seed=13)
    monkeypatch.setattr(documents, "LARGE_LIST", 20)
    monkeypatch.setattr(documents, "SMALL_LIST", 5)
    for _run in range(2):
        sessions = documents.make_sessions()
        assert sorted(Enrolment.objects.filter(session_id=pk).count() for pk in
                      sessions.values()) == [5, 20]  # fmt: skip

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from tests.conftest import REQUIRE_STACK

ROOT = Path(__file__).resolve().parents[2]


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env={**base, **env},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_embedded_default_needs_no_environment(tmp_path):
    code = (
        "import django; django.setup(); from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.EMAIL_BACKEND,"
        " s.DEBUG, s.CELERY_BROKER_URL, s.DEMO_MAILBOX, s.CELERY_BEAT_SCHEDULE_FILENAME)"
    )
    result = run(["-c", code], {"DJANGO_SETTINGS_MODULE": "norec_portal.settings",
                                "DEMO_DIR": str(tmp_path / "demo")})  # fmt: skip
    assert result.returncode == 0, result.stderr
    engine, eager, backend, debug, broker, mailbox, schedule = result.stdout.split()
    assert engine == "django.db.backends.sqlite3"
    # A real worker and beat on a broker that needs no server, not tasks run in place.
    assert eager == "False"
    assert broker.startswith("filesystem://")
    assert (tmp_path / "demo" / "broker" / "queue").is_dir()
    assert schedule == str(tmp_path / "demo" / "celerybeat-schedule")
    assert backend == "django.core.mail.backends.console.EmailBackend"
    assert mailbox == "True"
    assert debug == "True"


def test_embedded_default_starts_without_warnings(tmp_path):
    """No kombu "No hostname was supplied", no models.W040 on SQLite."""
    code = (
        "import django; django.setup(); from norec_portal.dispatch import send_task;"
        "send_task('norec_portal.tasks.sweep_outbox')"
    )
    env = {"DJANGO_SETTINGS_MODULE": "norec_portal.settings", "DEMO_DIR": str(tmp_path)}
    sent = run(["-c", code], env)
    assert sent.returncode == 0, sent.stderr
    assert "No hostname" not in sent.stderr
    check = run(["manage.py", "check"], env)
    assert check.returncode == 0, check.stderr
    assert "W040" not in check.stdout + check.stderr
    assert "no issues" in check.stdout


def test_site_url_follows_the_demo_port():
    code = "import django; django.setup(); from django.conf import settings as s; print(s.SITE_URL)"
    env = {"DJANGO_SETTINGS_MODULE": "norec_portal.settings"}
    assert run(["-c", code], {**env, "PORT": "8123"}).stdout.strip() == "http://127.0.0.1:8123"
    assert run(["-c", code], env).stdout.strip() == "http://127.0.0.1:8000"
    explicit = {**env, "PORT": "8123", "SITE_URL": "https://portal.norec.no/"}
    assert run(["-c", code], explicit).stdout.strip() == "https://portal.norec.no"


PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "p" * 20 + "roduction-secret-key-for-the-deploy-check-9f8e7d6c5b4a",
    "ALLOWED_HOSTS": "portal.norec.no",
    "DATABASE_URL": "postgres://norec@db.internal:5432/norec",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.internal:587",
    "MFA_ENCRYPTION_KEYS": "cHJvZHVjdGlvbi10ZXN0LWtleS1mb3ItbWZhLXNlYyE=",
}


@pytest.mark.parametrize("setup", ["production", "smtp"])
def test_demo_mailbox_is_off_outside_the_console_mail_setup(setup):
    code = (
        "import django; django.setup(); from django.conf import settings as s;print(s.DEMO_MAILBOX)"
    )
    extra = PRODUCTION_ENV if setup == "production" else {"EMAIL_URL": "smtp://mail.example:25"}
    result = run(["-c", code], {**extra, "DJANGO_SETTINGS_MODULE": "norec_portal.settings"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_production_settings_pass_the_deploy_check():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_the_authenticator_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "MFA_ENCRYPTION_KEYS"}
    result = run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert "MFA_ENCRYPTION_KEYS" in result.stderr


def test_secret_can_come_from_a_file(tmp_path):
    key_file = tmp_path / "secret"
    key_file.write_text("from-a-file-" + "k" * 50 + "\n")
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    code = (
        "import django; django.setup(); from django.conf import settings as s; print(s.SECRET_KEY)"
    )
    result = run(["-c", code], {**env, "SECRET_KEY_FILE": str(key_file),
                                "DJANGO_SETTINGS_MODULE": "norec_portal.settings"})  # fmt: skip
    assert result.stdout.strip() == "from-a-file-" + "k" * 50


def test_environment_selects_the_database_and_broker():
    code = (
        "import django; django.setup(); from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME'],"
        " s.CELERY_BROKER_URL, s.CELERY_TASK_ALWAYS_EAGER, s.EMAIL_HOST, s.EMAIL_PORT)"
    )
    result = run(
        ["-c", code], {**PRODUCTION_ENV, "DJANGO_SETTINGS_MODULE": "norec_portal.settings"}
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql", "norec", "redis://redis.internal:6379/0", "False",
        "smtp.internal", "587",
    ]  # fmt: skip


@pytest.mark.skipif(not REQUIRE_STACK, reason="only CI promises PostgreSQL and Redis")
@pytest.mark.django_db
def test_ci_runs_on_postgresql_and_redis():
    assert connection.vendor == "postgresql"
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    cache.set("norec:probe", "ok", 10)
    assert cache.get("norec:probe") == "ok"
    assert settings.CELERY_BROKER_URL.startswith("redis://")

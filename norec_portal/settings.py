"""Settings for the Norec Portal, read from the environment.

With no environment at all the portal runs on the embedded default: SQLite, a Celery
worker and beat on kombu's filesystem transport (files under ``.demo/``, no server),
emails printed in the worker's log and readable in the demo mailbox. Production
sets ``DJANGO_ENV=production`` plus ``DATABASE_URL``, ``REDIS_URL``, ``EMAIL_URL``,
``SECRET_KEY`` and ``ALLOWED_HOSTS``; every secret may also come from ``<NAME>_FILE``.

One file of about 500 lines, read top to bottom: every setting and its default is here
(the apps keep no defaults of their own).
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()


def secret(name: str, default: str | None = None) -> str | None:
    """A secret from ``NAME`` or from the file named by ``NAME_FILE`` (Docker secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


ENVIRONMENT = env.str("DJANGO_ENV", default="development")
PRODUCTION = ENVIRONMENT == "production"
DEBUG = env.bool("DEBUG", default=not PRODUCTION)

_secret_key = secret("SECRET_KEY")
if not _secret_key:
    if PRODUCTION:
        raise environ.ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) must be set.")
    _secret_key = "development-only-key-not-for-production-use-8c1f0a7d2b9e4c6f"  # noqa: S105
SECRET_KEY = _secret_key
# Old keys still accepted for signatures while a new SECRET_KEY rolls out (docs/OPERATIONS.md).
SECRET_KEY_FALLBACKS = [key for key in (secret("SECRET_KEY_FALLBACKS") or "").split(",") if key]

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# ``make demo PORT=8080`` serves on another port: the links in emails follow it.
SITE_URL = env.str("SITE_URL", default=f"http://127.0.0.1:{env.int('PORT', default=8000)}").rstrip(
    "/"
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_countries",
    "django_htmx",
    "csp",
    "norec_portal",
    "partnerships",
    "trainings",
    "network",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Cache-Control: no-store and Permissions-Policy on every page and file (not static).
    "norec_portal.middleware.PrivateResponseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The profile's language, when set, over the cookie and the browser's.
    "norec_portal.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "norec_portal.middleware.StaffMFARequiredMiddleware",
]

ROOT_URLCONF = "norec_portal.urls"
WSGI_APPLICATION = "norec_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "norec_portal.context_processors.navigation",
            ],
        },
    },
]

# --- Data stores -------------------------------------------------------------------------

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60 if PRODUCTION else 0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, a worker, beat) share the file: wait on locks instead of
    # failing, take the write lock when a transaction starts (a read lock upgraded later
    # fails at once instead of waiting), and let readers go on while one writes (WAL).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=20, transaction_mode="IMMEDIATE", init_command="PRAGMA journal_mode=WAL;"
    )
    # models.W040: SQLite cannot store an index's INCLUDE columns. It builds the plain index
    # instead, which is all the embedded default needs; PostgreSQL keeps the covering one.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="norec"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery ------------------------------------------------------------------------------

# (A host in the filesystem URL keeps kombu from warning that none was given.)
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://localhost/")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # A task whose worker vanished is redelivered after this long; the outbox sweep
    # re-drives the rows much sooner, so Redis holds only wake-up hints.
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
}
# The embedded default: the same worker and beat as production on a broker that needs no
# server (kombu's filesystem transport: one file per message under DEMO_DIR), and beat's
# schedule file beside it. ``manage.py run_demo`` starts them with the web server.
DEMO_DIR = Path(env.str("DEMO_DIR", default=str(BASE_DIR / ".demo")))
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue, _control = DEMO_DIR / "broker" / "queue", DEMO_DIR / "broker" / "control"
    # Every process that sends a task writes into the folder: it must exist before.
    for _folder in (_queue, _control):
        _folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue),
        "data_folder_out": str(_queue),
        "control_folder": str(_control),
    }
    CELERY_BEAT_SCHEDULE_FILENAME = str(DEMO_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {
        "task": "norec_portal.tasks.sweep_outbox",
        "schedule": timedelta(seconds=env.int("OUTBOX_SWEEP_SECONDS", default=15)),
    },
    "outbox-redact": {
        "task": "norec_portal.tasks.redact_sent_emails",
        "schedule": crontab(hour=3, minute=17),
    },
    # Each running invitation wave's daily batch (the cap is counted in the database, so
    # frequent runs only pick up what is left of today's share).
    "network-release-invitations": {
        "task": "network.tasks.release_invitation_batches",
        "schedule": timedelta(seconds=env.int("NETWORK_RELEASE_SECONDS", default=600)),
    },
    "network-follow-up-invitations": {
        "task": "network.tasks.follow_up_invitations",
        "schedule": timedelta(seconds=env.int("NETWORK_FOLLOW_UP_SECONDS", default=1800)),
    },
    # Scheduled newsletters whose time has come, and the next chunk of each sending whose
    # pause is over (the pause is a time in the database, not a delayed task on Redis).
    "network-newsletters-due": {
        "task": "network.tasks.run_due_newsletters",
        "schedule": timedelta(seconds=env.int("NEWSLETTER_DUE_SECONDS", default=5)),
    },
    "network-activity-reminders": {
        "task": "network.tasks.send_activity_reminders",
        "schedule": timedelta(seconds=env.int("NETWORK_ACTIVITY_REMINDER_SECONDS", default=900)),
    },
    # The coming month needs a newsletter and an activity: staff hear on the 20th if not.
    "network-monthly-cadence": {
        "task": "network.tasks.check_monthly_cadence",
        "schedule": crontab(day_of_month=20, hour=8, minute=0),
    },
    # Retention (docs/SECURITY.md): inactive people anonymised, expired links purged.
    "privacy-retention": {
        "task": "norec_portal.tasks.apply_retention",
        "schedule": crontab(hour=2, minute=43),
    },
    "training-reminders": {
        "task": "trainings.tasks.send_training_reminders",
        "schedule": crontab(hour=6, minute=5),
    },
    "training-signup-calls": {
        "task": "trainings.tasks.send_signup_calls",
        "schedule": crontab(hour=6, minute=35),
    },
    # The evaluation link to everyone of a session on its last day (afternoon in Oslo is
    # the same date, and the end of the programme day, at every venue).
    "training-evaluations": {
        "task": "trainings.tasks.send_evaluation_invitations",
        "schedule": crontab(hour=14, minute=15),
    },
}

# --- Email and the outbox ----------------------------------------------------------------

_email = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(_email)
# The demo mailbox (/staff/mailbox/): the outbox's messages readable in the browser, with
# their links clickable. Only where mail is printed to the console (the embedded default),
# never in production, where real people's messages must not be on show.
DEMO_MAILBOX = not PRODUCTION and _email["EMAIL_BACKEND"].endswith("console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Norec Portal <portal@norec.no>")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
OUTBOX_BATCH_SIZE = env.int("OUTBOX_BATCH_SIZE", default=100)
# A vanished worker's rows go back to the queue after the lease and the next sweep (about
# 105 s). The lease is renewed every third of it, so each message starts with at least
# 60 s left: two EMAIL_TIMEOUTs (docs/reliability.md).
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_LEASE_SECONDS", default=90)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=8)
OUTBOX_RETRY_BASE_SECONDS = env.int("OUTBOX_RETRY_BASE_SECONDS", default=60)
OUTBOX_KEEP_SENT_DAYS = env.int("OUTBOX_KEEP_SENT_DAYS", default=180)
OUTBOX_MESSAGE_ID_DOMAIN = env.str("OUTBOX_MESSAGE_ID_DOMAIN", default="portal.norec.no")

# --- Trainings ----------------------------------------------------------------------------

# (days before, days after) the exchange start / end in which Training 1 / 2 must begin.
# Training 1 prepares the departure: it begins before the exchange starts, or that day.
TRAINING_1_WINDOW_DAYS = tuple(env.list("TRAINING_1_WINDOW_DAYS", cast=int, default=[90, 0]))
TRAINING_2_WINDOW_DAYS = tuple(env.list("TRAINING_2_WINDOW_DAYS", cast=int, default=[60, 30]))
TRAINING_SIGNUP_CALL_DAYS = env.int("TRAINING_SIGNUP_CALL_DAYS", default=91)
TRAINING_REMINDER_DAYS = env.int("TRAINING_REMINDER_DAYS", default=14)
TRAINING_NOREC_EMAIL = env.str("TRAINING_NOREC_EMAIL", default="training@norec.no")
# Partner training is due from the day a partnership signs its agreement, for every
# contact person of its organisations; after this many days without it, it is overdue.
PARTNER_TRAINING_OVERDUE_DAYS = env.int("PARTNER_TRAINING_OVERDUE_DAYS", default=180)
# Who signs the certificates of participation, printed under the signature line (without a
# name, the line is signed by "Norec training team").
TRAINING_CERTIFICATE_SIGNATORY = env.str("TRAINING_CERTIFICATE_SIGNATORY", default="")
TRAINING_CERTIFICATE_SIGNATORY_TITLE = env.str("TRAINING_CERTIFICATE_SIGNATORY_TITLE", default="")
# How many days the evaluation link sent after a session works (docs/trainings.md,
# "Evaluation"); the farewell slide asks for a link until then too.
TRAINING_EVALUATION_DAYS = env.int("TRAINING_EVALUATION_DAYS", default=21)
# Rate limits of the public page behind the farewell slide's QR code (allauth's syntax).
# A whole room answers from one venue network at once: generous per address, strict per
# typed email.
TRAINING_RATE_LIMITS = {
    "evaluation_link": "120/h/ip,3/h/key",
}
# Who signs the visa invitation letters (the embassy may call them); without a name, the
# certificates' signatory signs.
TRAINING_VISA_SIGNATORY = env.str("TRAINING_VISA_SIGNATORY", default="")
TRAINING_VISA_SIGNATORY_TITLE = env.str("TRAINING_VISA_SIGNATORY_TITLE", default="")

# --- Norec Network ------------------------------------------------------------------------

# A newsletter goes to the outbox NEWSLETTER_CHUNK_SIZE members every NEWSLETTER_CHUNK_SECONDS;
# it pauses itself when more than NEWSLETTER_PAUSE_FAILURE_RATE of its finished messages
# failed (once at least NEWSLETTER_PAUSE_MIN_FINISHED have finished).
NEWSLETTER_CHUNK_SIZE = env.int("NEWSLETTER_CHUNK_SIZE", default=200)
NEWSLETTER_CHUNK_SECONDS = env.float("NEWSLETTER_CHUNK_SECONDS", default=10.0)
NEWSLETTER_PAUSE_FAILURE_RATE = env.float("NEWSLETTER_PAUSE_FAILURE_RATE", default=0.2)
NEWSLETTER_PAUSE_MIN_FINISHED = env.int("NEWSLETTER_PAUSE_MIN_FINISHED", default=50)
NETWORK_ACTIVITY_REMINDER_HOURS = env.int("NETWORK_ACTIVITY_REMINDER_HOURS", default=24)
# How long the links the network emails stay valid: a contact-details update link, the
# confirmation of a changed address, and an invitation sent on request (a wave's
# invitations last as long as the wave says).
NETWORK_UPDATE_LINK_HOURS = env.int("NETWORK_UPDATE_LINK_HOURS", default=48)
NETWORK_EMAIL_CHANGE_HOURS = env.int("NETWORK_EMAIL_CHANGE_HOURS", default=48)
NETWORK_INVITATION_DAYS = env.int("NETWORK_INVITATION_DAYS", default=60)
# How long the unsubscribe / preferences link of a newsletter works (each email carries a
# new one; network/tokens.py).
NETWORK_PREFERENCE_LINK_DAYS = env.int("NETWORK_PREFERENCE_LINK_DAYS", default=90)
# Rate limits of the public network forms (allauth's syntax: per client address and per
# submitted email).
NETWORK_RATE_LIMITS = {
    "request_invitation": "10/h/ip,3/h/key",
    "update_link": "10/h/ip,3/h/key",
    "join": "30/h/ip",
    # A member's tips about people never invited: per client address and per member.
    "member_tip": "30/h/ip,10/h/key",
}

# --- Personal data (norec_portal.privacy; the policy is in docs/SECURITY.md) ---------------

# People with no activity for this many years, who are neither members nor active contacts,
# are anonymised by the nightly retention job (at most PRIVACY_RETENTION_BATCH a night).
PRIVACY_INACTIVE_YEARS = env.int("PRIVACY_INACTIVE_YEARS", default=6)
PRIVACY_RETENTION_BATCH = env.int("PRIVACY_RETENTION_BATCH", default=500)
# Days after which used or expired email links are deleted, the rows of uploaded
# spreadsheets emptied, decided invitation requests deleted and rendered document
# batches deleted.
PRIVACY_TOKEN_DAYS = env.int("PRIVACY_TOKEN_DAYS", default=30)
PRIVACY_IMPORT_ROWS_DAYS = env.int("PRIVACY_IMPORT_ROWS_DAYS", default=90)
PRIVACY_REQUEST_DAYS = env.int("PRIVACY_REQUEST_DAYS", default=365)
PRIVACY_DOCUMENT_DAYS = env.int("PRIVACY_DOCUMENT_DAYS", default=30)
# Passport data of travel details is erased this many days after the session's last day.
PRIVACY_PASSPORT_DAYS = env.int("PRIVACY_PASSPORT_DAYS", default=60)
# How long the emailed link to fill in travel details works (a new one can be sent).
TRAVEL_LINK_DAYS = env.int("TRAVEL_LINK_DAYS", default=14)

# --- Accounts (django-allauth) -----------------------------------------------------------

AUTH_USER_MODEL = "norec_portal.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "norec_portal.backends.RolePermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_PREVENT_ENUMERATION = True
# A reset asked for an unknown address mails nobody (allauth would tell the address it has
# no account: mail to any inbox, on anyone's request). The page answers the same.
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_SESSION_REMEMBER = None
# Accounts are created by Norec (staff, coordinators) or from an invitation (alumni):
# open sign-up stays closed.
ACCOUNT_ADAPTER = "norec_portal.adapters.AccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Norec] "
# Security notices to the owner (password changed or reset, address changed, authenticator
# added or removed), through the account adapter and so the outbox.
ACCOUNT_EMAIL_NOTIFICATIONS = True
# A staff login without an authenticator sets one up only from a one-time link emailed to
# its verified address, valid this long (norec_portal/enrolment.py).
STAFF_ENROLMENT_LINK_MINUTES = env.int("STAFF_ENROLMENT_LINK_MINUTES", default=30)
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    # Like the network's public forms (NETWORK_RATE_LIMITS): a reset mails an inbox.
    "reset_password": "10/h/ip,3/h/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "signup": "20/m/ip",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_ADAPTER = "norec_portal.adapters.MFAAdapter"
MFA_TOTP_ISSUER = "Norec Portal"
# Fernet keys (comma-separated; the first encrypts, all decrypt) for the authenticator
# secrets at rest (norec_portal/crypto.py; rotation in docs/OPERATIONS.md). Production
# must set them; the default below is public and only for development and the demo.
MFA_ENCRYPTION_KEYS = [k.strip() for k in (secret("MFA_ENCRYPTION_KEYS") or "").split(",")
                       if k.strip()]  # fmt: skip
if not MFA_ENCRYPTION_KEYS:
    if PRODUCTION:
        raise environ.ImproperlyConfigured(
            "MFA_ENCRYPTION_KEYS (or MFA_ENCRYPTION_KEYS_FILE) must be set; make a key with "
            "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key())'"
        )
    MFA_ENCRYPTION_KEYS = ["bm9yZWMtZGV2ZWxvcG1lbnQtb25seS1tZmEta2V5ISE="]  # noqa: S105
# Number of proxies in front of the portal whose X-Forwarded-For can be trusted.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# --- Internationalisation ---------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français"), ("es", "Español"), ("pt", "Português")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# English dates day-first with a 24-hour clock (norec_portal/formats/en); the other
# languages use Django's own formats for their locale.
FORMAT_MODULE_PATH = ["norec_portal.formats"]
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True

# --- Static files and uploads -----------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(BASE_DIR / "media"))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# In development the files are served straight from the source folders.
WHITENOISE_AUTOREFRESH = DEBUG
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Participant spreadsheets (partnerships.imports): largest file in bytes, most data rows.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=2 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=2000)
# Longest time one spreadsheet may take to read (every import), and uploads per login.
IMPORT_MAX_SECONDS = env.float("IMPORT_MAX_SECONDS", default=20.0)
IMPORT_RATE_LIMIT = env.str("IMPORT_RATE_LIMIT", default="30/h/key")

# --- Security ---------------------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 12
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Browser features the portal never uses, denied to it and to anything it might embed
# (the Permissions-Policy header of norec_portal.middleware.PrivateResponseMiddleware).
PERMISSIONS_POLICY_DENY = [
    "accelerometer",
    "autoplay",
    "camera",
    "display-capture",
    "encrypted-media",
    "fullscreen",
    "geolocation",
    "gyroscope",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "picture-in-picture",
    "publickey-credentials-get",
    "screen-wake-lock",
    "serial",
    "usb",
    "xr-spatial-tracking",
    "browsing-topics",
]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        # NONCE becomes 'nonce-<random>' on each response whose page used request.csp_nonce.
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # WeasyPrint reports every rendering step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

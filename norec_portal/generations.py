"""Generations of the portal's data: caches that are never older than what they show.

The data is divided into domains — ``partnerships``, ``trainings`` and ``network`` (the
tables of each app) and ``accounts`` (logins). Each domain has a *generation*, a random
token in the cache, and every write the portal makes to one of the domain's tables starts
a new one: the database layer watches each ``INSERT``, ``UPDATE`` and ``DELETE`` it sends
(an execute wrapper on every connection), so saves, deletes, ``QuerySet.update``,
``bulk_create``, many-to-many changes and raw SQL through Django all count, not only what
sends a model signal.

A new generation is started at once (the writing transaction then reads its own change)
and again when the transaction commits: a reader that took the old data while the change
was not yet committed kept it under the generation of that moment, which the commit ends.
What is cached with :func:`cached` is kept together with the generations of its domains
and served only while they are all still current.

Writes from outside the portal (``psql``, a restore) are not seen: every entry also
lapses after its timeout, and ``manage.py clear_page_cache`` ends every generation at
once (docs/OPERATIONS.md). When the cache cannot be reached, a write is saved all the
same (logged) and readers compute afresh.
"""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from django.apps import apps
from django.core.cache import cache
from django.db.backends.signals import connection_created

logger = logging.getLogger(__name__)

T = TypeVar("T")

APP_DOMAINS = ("partnerships", "trainings", "network")
ACCOUNTS = "accounts"
DOMAINS = (*APP_DOMAINS, ACCOUNTS)

# The statements Django writes with: the table is the first quoted name.
_WRITE = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([A-Za-z0-9_]+)"?', re.I)
# Writes that no cached page shows: a login's last visit, written at every login.
_IGNORED = ('UPDATE "norec_portal_user" SET "last_login" = ',)

_tables: dict[str, str] | None = None


def _key(domain: str) -> str:
    return f"generation:{domain}"


def domain_of_table(table: str) -> str | None:
    """The domain a table belongs to (None for the outbox, sessions, the audit log …)."""
    global _tables
    if _tables is None:
        tables = {}
        for model in apps.get_models(include_auto_created=True):
            label = model._meta.app_label
            if label in APP_DOMAINS:
                tables[model._meta.db_table] = label
        user = apps.get_model("norec_portal", "User")
        tables[user._meta.db_table] = ACCOUNTS
        for field in user._meta.many_to_many:
            tables[field.remote_field.through._meta.db_table] = ACCOUNTS
        _tables = tables
    return _tables.get(table)


# --- Starting generations ------------------------------------------------------------------


def renew(domains: Iterable[str]) -> None:
    """Start a new generation of each domain now (a write is saved whatever the cache
    answers)."""
    try:
        cache.set_many({_key(domain): uuid.uuid4().hex for domain in domains}, None)
    except Exception:
        logger.warning("generations: the cache is unreachable; cached pages lapse by timeout",
                       exc_info=True)  # fmt: skip


def renew_all() -> None:
    renew(DOMAINS)


class _AtCommit:
    """The generations a transaction renews when it commits, registered once per domain
    and transaction (a transaction of 12,000 rows registers one callback, not 12,000)."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.domains: set[str] = set()
        self.index = -1

    def pending(self) -> bool:
        callbacks = self.connection.run_on_commit
        # A rollback drops the callback from the list: then it is pending no longer.
        return 0 <= self.index < len(callbacks) and callbacks[self.index][1] is self

    def __call__(self) -> None:
        renew(self.domains)


def _after_write(connection: Any, domain: str) -> None:
    renew((domain,))
    if not connection.in_atomic_block:
        return  # autocommit: the write is already committed
    at_commit = getattr(connection, "_generations_at_commit", None)
    if at_commit is None or not at_commit.pending():
        at_commit = _AtCommit(connection)
        connection.on_commit(at_commit)
        at_commit.index = len(connection.run_on_commit) - 1
        connection._generations_at_commit = at_commit
    at_commit.domains.add(domain)


def watch_writes(execute: Callable, sql: str, params: Any, many: bool, context: dict) -> Any:
    """The execute wrapper: runs the statement, then renews its table's domain."""
    result = execute(sql, params, many, context)
    if isinstance(sql, str) and sql[:1] in "IUDiud " and not sql.startswith(_IGNORED):
        match = _WRITE.match(sql)
        domain = domain_of_table(match.group(1)) if match else None
        if domain is not None:
            _after_write(context["connection"], domain)
    return result


def _install(sender: Any, connection: Any, **kwargs: Any) -> None:
    if watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(watch_writes)


def connect() -> None:
    """Watch every database connection, and those already open (called at start-up)."""
    connection_created.connect(_install, dispatch_uid="norec_portal.generations")
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        _install(None, connection)


# --- Reading ---------------------------------------------------------------------------------


def cached(key: str, domains: Sequence[str], compute: Callable[[], T], *, timeout: int = 600) -> T:
    """``compute()``, from the cache while none of ``domains`` has changed since it was
    computed (and for at most ``timeout`` seconds). One round trip to the cache on a hit.

    Called by pages, outside any transaction that writes: what a transaction computes
    after its own writes would outlive a rollback."""
    keys = [_key(domain) for domain in domains]
    try:
        found = cache.get_many([*keys, key])
        generations = tuple(found.get(k) for k in keys)
        if None in generations:  # a domain not seen yet, or the cache was emptied
            for k, generation in zip(keys, generations, strict=True):
                if generation is None:
                    cache.add(k, uuid.uuid4().hex, None)
            generations = tuple(cache.get_many(keys).get(k) for k in keys)
    except Exception:
        logger.warning("generations: the cache is unreachable; computing %s", key,
                       exc_info=True)  # fmt: skip
        return compute()
    kept = found.get(key)
    if kept is not None and kept[0] == generations:
        return kept[1]
    value = compute()
    try:
        cache.set(key, (generations, value), timeout)
    except Exception:
        logger.warning("generations: could not keep %s", key, exc_info=True)
    return value


def key_of(*parts: object) -> str:
    """A cache key for anything ``repr`` tells apart (queries, filters, languages)."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()

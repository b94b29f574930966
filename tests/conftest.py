"""Shared fixtures, and the rule for tests that need a server.

A test marked `postgres`, `redis`, `worker` or `browser` runs only where that server or program
is there. Elsewhere it is skipped with the reason (pytest's `-ra` prints it), except when
CI=true: there a missing server is a failure, so that CI can never pass by skipping.
"""

import os
import shutil
import signal
import subprocess
import sys
import uuid
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

BASE_DIR = Path(__file__).resolve().parent.parent

# Playwright's sync API keeps an event loop running in the main thread from the first browser
# test to the end of the session; the ORM calls every later test makes are synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _redis_reachable() -> bool:
    if not settings.REDIS_URL:
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping())
    except redis.RedisError:
        return False


def _missing(marker: str) -> str | None:
    """Why a test with this marker cannot run here, or None if it can."""
    if marker == "postgres":
        if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
            return "needs PostgreSQL: set DATABASE_URL=postgres://..."
    elif marker in ("redis", "worker"):
        if not settings.REDIS_URL:
            return f"needs Redis for the {marker}: set REDIS_URL=redis://..."
        if not _redis_reachable():
            return f"Redis at REDIS_URL does not answer ({marker})"
    elif marker == "browser" and not shutil.which("chromium"):
        return "needs Debian's chromium on PATH (apt-get install chromium)"
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    for marker in ("postgres", "redis", "worker", "browser"):
        if item.get_closest_marker(marker) is None:
            continue
        reason = _missing(marker)
        if reason is None:
            continue
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and this test {reason}", pytrace=False)
        pytest.skip(reason)


def _database_url_for_subprocess() -> str:
    """The URL of the database this test run uses (pytest-django's test_<name> database)."""
    from django.db import connection

    s = connection.settings_dict
    auth = s["USER"] or ""
    if s["PASSWORD"]:
        auth += f":{s['PASSWORD']}"
    return f"postgres://{auth}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def celery_worker_process(settings):
    """Start a real Celery worker process on the test database, listening on a queue of its own.

    Yields a small handle: `.queue` to send tasks to, `.hostname` the worker's name, and
    `.process`. The test must use `django_db(transaction=True)` so that the worker sees rows the
    test committed, and the test sees what the worker wrote.
    """
    from hangzhou_cfc.celery import app

    queue = f"test-{uuid.uuid4().hex[:12]}"
    hostname = f"{queue}@localhost"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hangzhou_cfc.settings.test",
        "DATABASE_URL": _database_url_for_subprocess(),
        "REDIS_URL": settings.REDIS_URL,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "hangzhou_cfc",
            "worker",
            "--queues",
            queue,
            "--hostname",
            hostname,
            "--concurrency",
            "1",
            "--without-mingle",
            "--without-gossip",
            "--loglevel",
            "WARNING",
        ],
        cwd=BASE_DIR,
        env=env,
    )
    eager, default_queue = app.conf.task_always_eager, app.conf.task_default_queue
    # Every task this process sends (also from the live server's thread) goes to this worker.
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue

    try:
        yield SimpleNamespace(queue=queue, hostname=hostname, process=process)
    finally:
        app.conf.task_always_eager, app.conf.task_default_queue = eager, default_queue
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def redis_url_of_worker(url: str, worker: str | None) -> str:
    """The Redis database of one pytest-xdist worker: gw0 keeps REDIS_URL's, gw1 the next one, and
    so on (REDIS_URL=redis://…/14 with two workers: 14 and 15). Tests flush their database and a
    production worker takes every task of the default queue, so no two workers may share one."""
    if not url or not worker:
        return url
    parts = urlsplit(url)
    number = int(parts.path.strip("/") or 0) + int(worker.removeprefix("gw"))
    if number > 15:
        raise pytest.UsageError(
            f"REDIS_URL={url} leaves no Redis database for xdist worker {worker} (Redis has 0 to "
            "15): set a lower database number, or fewer workers"
        )
    return urlunsplit(parts._replace(path=f"/{number}"))


def _own_redis_database_per_worker():
    """Point this xdist worker's settings, Celery app and subprocesses at its own Redis database.

    Django's settings are read before any conftest (pytest-django), so the worker's database is
    set on them here, and in the environment, which the processes its tests start inherit."""
    from hangzhou_cfc.celery import app

    url = redis_url_of_worker(settings.REDIS_URL, os.environ.get("PYTEST_XDIST_WORKER"))
    if url == settings.REDIS_URL:
        return
    settings.REDIS_URL = url
    settings.CELERY_BROKER_URL = url
    app.conf.broker_url = url
    os.environ["REDIS_URL"] = url


def pytest_configure(config):
    from tests import realnames

    realnames.install()
    _own_redis_database_per_worker()


@pytest.fixture(autouse=True)
def _no_real_name_leaks():
    """No response, log record or e-mail of this test carried a child's real name to someone
    not entitled to it (tests/realnames.py)."""
    from tests import realnames

    realnames.take_leaks()
    realnames.watch_logs()
    yield
    realnames.report_outbox()
    leaks = realnames.take_leaks()
    if leaks:
        pytest.fail("A child's real name reached someone not entitled to it:\n" + "\n".join(leaks))


@pytest.fixture(autouse=True)
def _a_fresh_cache():
    """Each test starts with an empty cache: no throttle counts or cached figures from the one
    before (the API's schema fuzzing alone sends thousands of requests)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def in_english():
    """The test runs with English as the active language (the default is zh-hans)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def pipe():
    """The suggestion pipeline's people and places (tests/suggestions/factories.Pipeline): a
    child, a school, a community and a department, each with its staff. A module that needs
    more around it (tests/browser/test_child_form.py) defines its own `pipe`."""
    from tests.suggestions.factories import Pipeline

    return Pipeline()


@pytest.fixture(scope="module")
def seeded_demo(django_db_setup, django_db_blocker):
    """The demo, seeded once for the whole module (seeding is the slow part): for modules whose
    tests all read it. It lives in a transaction that is rolled back after the module's last
    test; each test runs in a savepoint inside it, so what one test writes the next never sees.
    Not for `transaction=True` tests, nor for modules with tests that expect an empty database."""
    from django.core.management import call_command
    from django.db import transaction

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        call_command("seed_demo", verbosity=0)
    yield
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """A page asked in English leaves English active in the test's thread (LocaleMiddleware
    does not switch back): the next test starts in the portal's default language again."""
    from django.conf import settings
    from django.utils import translation

    yield
    translation.activate(settings.LANGUAGE_CODE)

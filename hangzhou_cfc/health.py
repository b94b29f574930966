"""What /readyz and `manage.py health` report: each part the portal needs, with its state.

- database: a query answers;
- broker: a connection to the Celery broker opens;
- worker: a worker ran the heartbeat task lately (reports.WorkerHeartbeat);
- beat: beat sent the heartbeat task lately (django-celery-beat's `last_run_at`).

Beat sends the heartbeat every minute: a worker that has not run one for three minutes is not
running. Beat writes `last_run_at` to the database every few minutes only (its sync interval,
three minutes by default), so it is late after six.
"""

import threading
import time
from datetime import timedelta

from django.db import DatabaseError, connection
from django.utils import timezone

WORKER_STALE_AFTER = timedelta(minutes=3)
BEAT_STALE_AFTER = timedelta(minutes=6)
HEARTBEAT_TASK = "worker-heartbeat"
CHECKS = ("database", "broker", "worker", "beat")


def database_answers() -> bool:
    """Whether the database answers a query now (its connection opened if need be)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return False
    return True


def _database() -> str:
    return "ok" if database_answers() else "down"


def _broker() -> str:
    from hangzhou_cfc.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=1)
    except Exception:  # kombu raises the transport's own errors: any of them means "down"
        return "down"
    return "ok"


def _recent(moment, stale_after) -> str:
    if moment is None:
        return "never"
    return "ok" if timezone.now() - moment < stale_after else "stale"


def _worker() -> str:
    from reports.models import WorkerHeartbeat

    try:
        latest = WorkerHeartbeat.objects.order_by("-last_seen").values_list("last_seen").first()
    except DatabaseError:
        return "unknown"
    return _recent(latest[0] if latest else None, WORKER_STALE_AFTER)


def _beat() -> str:
    from django_celery_beat.models import PeriodicTask

    try:
        sent = PeriodicTask.objects.filter(name=HEARTBEAT_TASK).values_list("last_run_at").first()
    except DatabaseError:
        return "unknown"
    return _recent(sent[0] if sent else None, BEAT_STALE_AFTER)


RUN = {"database": _database, "broker": _broker, "worker": _worker, "beat": _beat}


def readiness(only: tuple[str, ...] = CHECKS) -> dict[str, str]:
    """The state of each check in `only`: "ok", or what is wrong ("down", "stale", "never",
    "unknown" when the database cannot say)."""
    return {name: RUN[name]() for name in only}


# /readyz is open to anyone and probed often: its answer is kept for a few seconds per process
# and made by one request at a time, so that a storm of probes asks the broker once.
CACHE_SECONDS = 5
_cache_lock = threading.Lock()
_cached: tuple[float, dict[str, str]] | None = None


def readiness_cached() -> dict[str, str]:
    global _cached
    with _cache_lock:
        if _cached is None or time.monotonic() - _cached[0] > CACHE_SECONDS:
            _cached = (time.monotonic(), readiness())
        return dict(_cached[1])


def forget() -> None:
    """Drop the kept answer (tests)."""
    global _cached
    with _cache_lock:
        _cached = None

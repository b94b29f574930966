from datetime import timedelta

from django.utils import timezone

from .models import WorkerHeartbeat

# Beat sends a heartbeat every minute; three missed ones mean no worker is running.
WORKER_STALE_AFTER = timedelta(minutes=3)


def worker_status() -> dict:
    latest = WorkerHeartbeat.objects.order_by("-last_seen").first()
    return {
        "last_seen": latest.last_seen if latest else None,
        "alive": bool(latest and timezone.now() - latest.last_seen < WORKER_STALE_AFTER),
    }

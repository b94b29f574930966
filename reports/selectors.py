from datetime import timedelta

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import get_language

from .figures import YearFigures, suppressed, year_figures
from .models import WorkerHeartbeat

# Beat sends a heartbeat every minute; three missed ones mean no worker is running.
WORKER_STALE_AFTER = timedelta(minutes=3)


def worker_status() -> dict:
    latest = WorkerHeartbeat.objects.order_by("-last_seen").first()
    return {
        "last_seen": latest.last_seen if latest else None,
        "alive": bool(latest and timezone.now() - latest.last_seen < WORKER_STALE_AFTER),
    }


# The figures are computed at most this often per year and language: the dashboard reloads
# itself every 3 seconds while a report is being made, and the public page is open to anyone.
OFFICE_FIGURES_SECONDS = 60
PUBLIC_FIGURES_SECONDS = 600


def figures_of_year(year: int, *, public: bool = False) -> YearFigures:
    """The year's figures in the active language, from the cache when they are recent;
    `public`: the public subset, small counts of children hidden."""
    key = f"year-figures:{year}:{'public' if public else 'office'}:{get_language()}"
    figures = cache.get(key)
    if figures is None:
        figures = year_figures(year, public=public)
        if public:
            figures = suppressed(figures)
        cache.set(key, figures, PUBLIC_FIGURES_SECONDS if public else OFFICE_FIGURES_SECONDS)
    return figures

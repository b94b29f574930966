from celery import shared_task
from django.utils import timezone

from . import services


@shared_task
def rotate_sub_team_leaders():
    """Daily: hand leadership over where a term has ended. Safe to run twice (see the service)."""
    return services.sub_teams_rotate_due(today=timezone.localdate())

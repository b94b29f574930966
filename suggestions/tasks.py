"""Celery tasks of the pipeline: each takes ids, calls one service, and owns its retries.

Tasks are acknowledged late and given back if their worker dies (settings), so each must be
safe to run twice: the services make sure of it.
"""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from . import services
from .models import Notification


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def route_suggestion(job_id: int) -> str:
    return services.suggestion_route(job_id=job_id)


@shared_task
def resend_stuck_routing_jobs() -> int:
    return services.routing_jobs_resend()


@shared_task
def flag_overdue_suggestions() -> int:
    return services.suggestions_flag_overdue()


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def email_notifications(notification_ids: list[int]) -> int:
    """E-mail staff their new notices: a link to the portal, nothing about the child."""
    sent = 0
    notices = Notification.objects.filter(pk__in=notification_ids).select_related("recipient")
    for notice in notices:
        if not notice.recipient.email:
            continue
        with translation.override(settings.LANGUAGE_CODE):
            link = settings.PORTAL_BASE_URL + reverse(
                "suggestion_detail", kwargs={"pk": notice.suggestion_id}
            )
            send_mail(
                subject=str(notice.get_kind_display()),
                message=_("Open it in the portal: %(link)s") % {"link": link},
                from_email=None,
                recipient_list=[notice.recipient.email],
            )
        sent += 1
    return sent

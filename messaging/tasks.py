"""Tasks of the outbox: each takes ids and calls one service (messaging/services.py)."""

from celery import shared_task

from . import services


@shared_task
def send_messages(message_ids: list[int]) -> list[str]:
    return list(services.messages_send(ids=message_ids).values())


@shared_task
def resend_messages() -> int:
    return services.messages_resend()

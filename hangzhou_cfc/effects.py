"""What the apps do beyond their own rows, the same way in each: tasks handed to the broker
after the commit, links to the portal in what is read away from it (e-mails, calendars), and
e-mails written in both languages.

A broker that is away never fails the request whose write is committed: the task is not sent,
a warning names it (never its arguments), and the caller's outbox, sweeper or state takes up
the work (messaging's sweeper, the routing sweeper, an import back at its preview, an export
marked failed, the nightly deletion sweep).
"""

import logging
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

logger = logging.getLogger(__name__)


def after_commit(func: Callable[..., object], /, *args, **kwargs) -> None:
    """Call func(*args, **kwargs) once the transaction commits (at once outside one).

    Robust: what it raises is logged by Django, never raised into a request whose write is
    already committed."""
    transaction.on_commit(lambda: func(*args, **kwargs), robust=True)


def task_send(task, *args) -> bool:
    """Hand a task to the broker now; False, with a warning, if the broker cannot be reached."""
    try:
        task.apply_async(args=args, retry=False)
    except Exception:  # kombu raises the transport's own errors: any of them means "away"
        logger.warning("task %s not sent: the broker is unreachable", task.name, exc_info=True)
        return False
    return True


def task_send_in_chunks(task, ids: Sequence[int], *args, chunk: int) -> bool:
    """task_send(task, ids_chunk, *args) for every `chunk` ids: a long list is worked by several
    short tasks. Stops at the first chunk the broker does not take (the next would wait for it
    as long, and fail as well)."""
    for start in range(0, len(ids), chunk):
        if not task_send(task, list(ids[start : start + chunk]), *args):
            logger.warning(
                "task %s: %d of %d ids left unsent", task.name, len(ids) - start, len(ids)
            )
            return False
    return True


def task_send_after_commit(task, *args) -> None:
    """task_send once the transaction commits."""
    after_commit(task_send, task, *args)


def portal_url(path: str = "") -> str:
    """PORTAL_BASE_URL joined with a path (from reverse()): a link that works where no request
    says which address the portal has, and that never names the Host a request came with."""
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def portal_host() -> str:
    """The host name of PORTAL_BASE_URL, without scheme, port or path."""
    return settings.PORTAL_BASE_URL.split("//", 1)[-1].split("/", 1)[0].split(":", 1)[0]


def bilingual_mail(
    template_name: str, context: dict[str, Any] | Callable[[], dict[str, Any]], subject
) -> tuple[str, str]:
    """(subject, body) of an e-mail to someone whose language the portal does not know: the body
    in Chinese, then in English; the subject (a lazy string) in the portal's default language.

    `context` is a dict, or a function that makes it again in each language (for labels that
    are translated)."""
    parts = []
    for language in ("zh-hans", "en"):
        with translation.override(language):
            parts.append(
                render_to_string(template_name, context() if callable(context) else context)
            )
    with translation.override(settings.LANGUAGE_CODE):
        return str(subject), "\n\n".join(parts)

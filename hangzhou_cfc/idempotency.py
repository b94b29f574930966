"""`Idempotency-Key` on the API's POSTs: a request sent again with the same key gets the first
answer, and nothing is written twice.

The key's row is inserted in the same transaction as everything the request writes: two
requests with one key cannot both write (the second waits for the first's row, then replays
its answer), and a request that fails with a 5xx leaves no row, so that its retry runs.
"""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import IdempotentRequest

HEADER = "Idempotency-Key"


def _hash(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def _scope(request) -> str | None:
    """Who sent it, as far as the credentials tell before the view authenticates them."""
    credentials = request.META.get("HTTP_AUTHORIZATION") or request.COOKIES.get(
        settings.SESSION_COOKIE_NAME
    )
    return _hash(credentials.encode()) if credentials else None


def _refused(code: str, message: str, status: int) -> JsonResponse:
    from .api import error_body

    return JsonResponse(error_body(code, message), status=status)


def keys_forget(*, now=None) -> int:
    """Forget the answers older than IDEMPOTENCY_KEY_HOURS (beat, hourly)."""
    now = now or timezone.now()
    old = now - timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)
    return IdempotentRequest.objects.filter(created_at__lt=old).delete()[0]


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.headers.get(HEADER)
        if key is None or request.method != "POST" or not request.path.startswith("/api/v1/"):
            return self.get_response(request)
        if not (0 < len(key) <= 255 and key.isascii() and key.isprintable()):
            return _refused(
                "bad_idempotency_key",
                _("The Idempotency-Key is 1 to 255 printable ASCII characters."),
                400,
            )
        scope = _scope(request)
        if scope is None:
            return self.get_response(request)  # not signed in: the view refuses it anyway
        fingerprint = _hash(request.method.encode(), request.path.encode(), request.body)
        old = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)
        lost_the_race = False
        with transaction.atomic():
            IdempotentRequest.objects.filter(scope=scope, key=key, created_at__lt=old).delete()
            first = IdempotentRequest.objects.filter(scope=scope, key=key).first()
            if first is not None:
                return self._replay(first, fingerprint)
            response = self.get_response(request)
            if response.status_code >= 500 or getattr(response, "streaming", False):
                transaction.set_rollback(True)
                return response
            try:
                with transaction.atomic():
                    IdempotentRequest.objects.create(
                        scope=scope,
                        key=key,
                        fingerprint=fingerprint,
                        status=response.status_code,
                        content_type=response.get("Content-Type", ""),
                        body=bytes(response.content),
                    )
            except IntegrityError:
                # Another request with this key committed first: undo this one's writes.
                transaction.set_rollback(True)
                lost_the_race = True
        if not lost_the_race:
            return response
        first = IdempotentRequest.objects.filter(scope=scope, key=key).first()
        if first is None:
            return _refused(
                "in_progress",
                _("A request with this Idempotency-Key is being answered: try again."),
                409,
            )
        return self._replay(first, fingerprint)

    @staticmethod
    def _replay(first: IdempotentRequest, fingerprint: str) -> HttpResponse:
        if first.fingerprint != fingerprint:
            return _refused(
                "idempotency_key_reused",
                _("This Idempotency-Key was used for another request: use a new key."),
                400,
            )
        response = HttpResponse(bytes(first.body), status=first.status)
        response["Content-Type"] = first.content_type
        response["Idempotent-Replayed"] = "true"
        return response

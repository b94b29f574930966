"""`Idempotency-Key` on the API's POSTs: a request sent again with the same key gets the first
answer, and nothing is written twice.

The key's row is claimed, in the same transaction as everything the request writes, before the
view runs. A second request with the same key waits for the first's transaction, then replays
its answer; it never runs its view, so it leaves no message, file or e-mail behind. A request
answered with a 5xx (or a stream, which cannot be kept) is undone with its row, so that its
retry runs.
"""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import IdempotentRequest

HEADER = "Idempotency-Key"
REDIRECTS = (301, 302, 303, 307, 308)


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


class _AnswerOnce:
    def __init__(self, get_response):
        self.get_response = get_response

    def keeps(self, response) -> bool:
        raise NotImplementedError

    def replay(self, request, first: IdempotentRequest, fingerprint: str) -> HttpResponse:
        raise NotImplementedError

    def busy(self, request) -> HttpResponse:
        raise NotImplementedError

    def answer_once(self, request, *, scope: str, key: str, fingerprint: str) -> HttpResponse:
        old = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)
        with transaction.atomic():
            IdempotentRequest.objects.filter(scope=scope, key=key, created_at__lt=old).delete()
            first = IdempotentRequest.objects.filter(scope=scope, key=key).first()
            if first is not None:
                return self.replay(request, first, fingerprint)
            try:
                with transaction.atomic():
                    # While this transaction is open, another request with the key waits
                    # here on the unique constraint: it runs only if this one keeps no row.
                    claim = IdempotentRequest.objects.create(
                        scope=scope, key=key, fingerprint=fingerprint, status=0, body=b""
                    )
            except IntegrityError:
                first = IdempotentRequest.objects.filter(scope=scope, key=key).first()
                if first is None:
                    return self.busy(request)
                return self.replay(request, first, fingerprint)
            response = self.get_response(request)
            if response.status_code >= 500 or getattr(response, "streaming", False):
                transaction.set_rollback(True)
                return response
            if self.keeps(response):
                claim.status = response.status_code
                claim.content_type = response.get("Content-Type", "")
                claim.location = response.get("Location", "")
                claim.body = bytes(response.content)
                claim.save(update_fields=["status", "content_type", "location", "body"])
            else:
                claim.delete()
        return response

    @staticmethod
    def stored(first: IdempotentRequest) -> HttpResponse:
        if first.status in REDIRECTS:
            response = HttpResponseRedirect(first.location, status=first.status)
        else:
            response = HttpResponse(status=first.status)
            if first.location:
                response["Location"] = first.location
        response.content = bytes(first.body)
        response["Content-Type"] = first.content_type
        response["Idempotent-Replayed"] = "true"
        return response


class IdempotencyMiddleware(_AnswerOnce):
    """The API: every answer but a 5xx is kept, refusals included (a client retrying a 400
    gets the same 400)."""

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
        return self.answer_once(request, scope=scope, key=key, fingerprint=fingerprint)

    def keeps(self, response) -> bool:
        return True

    def replay(self, request, first, fingerprint):
        if first.fingerprint != fingerprint:
            return _refused(
                "idempotency_key_reused",
                _("This Idempotency-Key was used for another request: use a new key."),
                400,
            )
        return self.stored(first)

    def busy(self, request):
        return _refused(
            "in_progress",
            _("A request with this Idempotency-Key is being answered: try again."),
            409,
        )

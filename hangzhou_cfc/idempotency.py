"""A POST sent again gets the first answer, and nothing is written twice: the API's POSTs with
an `Idempotency-Key` header, and the HTML forms with the hidden key of `{% form_key %}`.

One rule for both (`_AnswerOnce`): the key's row is claimed, in the same transaction as
everything the request writes, before the view runs. A second request with the same key waits
for the first's transaction, then replays its answer; it never runs its view, so it leaves no
message, file or e-mail behind. A request answered with a 5xx (or a stream, which cannot be
kept) is undone with its row, so that its retry runs. What differs is where the key is found,
what is fingerprinted, which answers are kept and how a refusal looks (JSON or a page).
"""

import hashlib
import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import IdempotentRequest

HEADER = "Idempotency-Key"
# The hidden field `{% form_key %}` puts in every write form.
FORM_FIELD = "form_key"
FORM_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")
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


def form_key_new() -> str:
    """A new key for one rendering of one form (`{% form_key %}`)."""
    return secrets.token_urlsafe(18)


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
    """The API: every answer but a 5xx or a 429 is kept, refusals included (a client retrying
    a 400 gets the same 400). "Too many requests" says "later", not "no": the retry after
    Retry-After runs."""

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
        return response.status_code != 429

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


def _form_scope(request) -> str | None:
    """The session, as for the API; a visitor without one (asking for a password reset) by the
    CSRF cookie, the other value their browser alone holds and a form's POST must carry."""
    cookie = request.COOKIES.get(settings.SESSION_COOKIE_NAME) or request.COOKIES.get(
        settings.CSRF_COOKIE_NAME
    )
    return _hash(cookie.encode()) if cookie else None


def _form_fingerprint(request) -> str:
    """What the form sent, read from its fields rather than its body: a browser picks a new
    multipart boundary for each submission, so the same photo sent twice is not the same body.
    The key itself and the CSRF token (a credential, not content) are left out."""
    parts = [request.method.encode(), request.get_full_path().encode()]
    for name in sorted(request.POST):
        if name in (FORM_FIELD, "csrfmiddlewaretoken"):
            continue
        parts += [
            _hash(name.encode(), value.encode()).encode() for value in request.POST.getlist(name)
        ]
    for name in sorted(request.FILES):
        for upload in request.FILES.getlist(name):
            digest = hashlib.sha256()
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
            parts.append(_hash(name.encode(), upload.name.encode(), digest.digest()).encode())
    return _hash(*parts)


class FormKeyMiddleware(_AnswerOnce):
    """The HTML forms: a POST (not the API's) carrying the hidden `form_key`.

    Only a redirect is kept: the portal's forms answer a write that succeeded with a redirect
    (post/redirect/get), and anything else is a page: the form shown again with its errors
    (corrected, it must run: it carries a new key anyway, but the old one is free too), a 409
    saying someone moved the suggestion, or a page that shows personal data, which must not
    be copied into this table. A page's writes stay, without a row, as they would without a key.
    Sits after the session, authentication and messages, so that a replay can say what
    happened and a refusal is a page of the portal like any other.
    """

    def __call__(self, request):
        if request.method != "POST" or request.path.startswith("/api/"):
            return self.get_response(request)
        if request.content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
            return self.get_response(request)
        try:
            key = request.POST.get(FORM_FIELD)
        except OSError:  # the client went away mid-body: as the CSRF check does, let it be
            return self.get_response(request)
        if key is None:
            return self.get_response(request)  # a page from before the keys: as it always was
        if not FORM_KEY.fullmatch(key):
            return self._not_sent(
                request,
                _(
                    "This form is damaged, so it was not sent. Go back, reload the page and "
                    "send it again."
                ),
                400,
            )
        scope = _form_scope(request)
        if scope is None:
            return self.get_response(request)  # no cookie at all: the CSRF check refuses it
        return self.answer_once(
            request, scope=scope, key=f"form:{key}", fingerprint=_form_fingerprint(request)
        )

    def keeps(self, response) -> bool:
        return response.status_code in REDIRECTS and response.has_header("Location")

    def replay(self, request, first, fingerprint):
        if first.fingerprint == fingerprint:
            messages.info(
                request,
                _("This form was already sent: it was saved once, not twice."),
                fail_silently=True,
            )
        else:
            messages.warning(
                request,
                _(
                    "This form had already been sent, so what you changed afterwards was not "
                    "saved. Open the form again to send it."
                ),
                fail_silently=True,
            )
        return self.stored(first)

    def busy(self, request):
        return self._not_sent(
            request, _("This form is being sent. Wait a moment, then reload the page."), 409
        )

    @staticmethod
    def _not_sent(request, problem: str, status: int) -> HttpResponse:
        return render(request, "form_not_sent.html", {"problem": problem}, status=status)

"""What every endpoint of the API shares: one error format, pagination, strict input, and the
1 MB limit on request bodies.

Every error answers

    {"error": {"code": "<machine-readable>", "message": "<in the request's language>",
               "fields": {"<field>": ["<message>", …]}}}

with 400 (bad input), 401, 403, 404, 405, 409 (a `Conflict` from hangzhou_cfc/errors.py: an
illegal or stale workflow move), 413 (a body over 1 MB) or 429 (throttled).
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import (
    get_supported_language_variant,
    parse_accept_lang_header,
)
from rest_framework import exceptions, pagination, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import Conflict


class Pagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100


class CursorPagination(pagination.CursorPagination):
    """For the long lists (suggestions): no count of the whole list, pages by position, as
    fast on the thousandth page as on the first."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = "-id"

    def get_paginated_response_schema(self, schema):
        # DRF's examples of `next` and `previous` end in a stray quote: not a URI.
        response = super().get_paginated_response_schema(schema)
        for name in ("next", "previous"):
            response["properties"][name]["example"] = "http://api.example.org/?cursor=cD00ODY%3D"
        return response


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    body = {"code": code, "message": str(message)}
    if fields:
        body["fields"] = fields
    return {"error": body}


def _field_messages(detail) -> dict:
    """DRF's nested error detail as {"field": ["message", …]}."""
    if isinstance(detail, dict):
        return {
            str(field): [str(m) for m in (messages if isinstance(messages, list) else [messages])]
            for field, messages in detail.items()
        }
    return {"non_field_errors": [str(m) for m in detail]}


def exception_handler(exc, context):
    if isinstance(exc, Conflict):
        return Response(
            error_body(exc.code, exc.message, exc.fields()), status=status.HTTP_409_CONFLICT
        )
    if isinstance(exc, DjangoValidationError):
        fields = (
            {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
            if hasattr(exc, "error_dict")
            else {"non_field_errors": [str(m) for m in exc.messages]}
        )
        return Response(
            error_body("invalid", _("Some of what was sent is not valid."), fields),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django's 500 (and its log)
    if isinstance(exc, exceptions.ValidationError):
        body = error_body(
            "invalid", _("Some of what was sent is not valid."), _field_messages(exc.detail)
        )
    else:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        code = codes if isinstance(codes, str) else "error"
        body = error_body(code, exc.detail if hasattr(exc, "detail") else str(exc))
    response.data = body
    return response


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know, instead of ignoring them."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: [_("This field is not known.")] for name in unknown}
                )
        return super().to_internal_value(data)


def accepted_language(header: str) -> str:
    """The portal's language closest to an Accept-Language header, else the default."""
    for code, _quality in parse_accept_lang_header(header):
        if code == "*":
            break
        try:
            return get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


class ApiLanguageMiddleware:
    """The API has one address for every language, so its messages (and the schema) follow
    Accept-Language: LocaleMiddleware gives every unprefixed address the default language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith("/api/"):
            translation.activate(accepted_language(request.META.get("HTTP_ACCEPT_LANGUAGE", "")))
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


class ApiBodyLimitMiddleware:
    """A body of more than API_MAX_BODY_BYTES to the API gets 413 before anything reads it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "/api/" in request.path:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > settings.API_MAX_BODY_BYTES:
                return JsonResponse(
                    error_body(
                        "too_large",
                        _("The request is larger than %(limit)d bytes.")
                        % {"limit": settings.API_MAX_BODY_BYTES},
                    ),
                    status=413,
                )
        return self.get_response(request)

"""Open311 GeoReport v2, read only, so that a city's existing systems can follow the pipeline.

`services` are the focus areas; `requests` are the sent suggestions with their status and the
agency that has them. No personal data: no child, no place a child described, and the text
only of implemented suggestions (which are public on the portal already).
"""

from datetime import timedelta

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from groups.models import FocusArea

from .models import StateChoices, Suggestion
from .workflow import FINAL_STATES, State

# The spec's defaults: the last 90 days, at most 1000 requests.
DEFAULT_DAYS = 90
MAX_REQUESTS = 1000

ServiceSerializer = inline_serializer(
    "Open311Service",
    many=True,
    fields={
        "service_code": serializers.CharField(),
        "service_name": serializers.CharField(),
        "description": serializers.CharField(),
        "metadata": serializers.BooleanField(),
        "type": serializers.CharField(),
        "keywords": serializers.CharField(),
        "group": serializers.CharField(),
    },
)
RequestSerializer = inline_serializer(
    "Open311Request",
    many=True,
    fields={
        "service_request_id": serializers.CharField(),
        "status": serializers.ChoiceField(choices=["open", "closed"]),
        "status_notes": serializers.CharField(),
        "service_name": serializers.CharField(),
        "service_code": serializers.CharField(),
        "description": serializers.CharField(allow_null=True),
        "agency_responsible": serializers.CharField(allow_null=True),
        "service_notice": serializers.CharField(allow_null=True),
        "requested_datetime": serializers.DateTimeField(allow_null=True),
        "updated_datetime": serializers.DateTimeField(allow_null=True),
        "expected_datetime": serializers.DateTimeField(allow_null=True),
        "address": serializers.CharField(allow_null=True),
        "lat": serializers.FloatField(allow_null=True),
        "long": serializers.FloatField(allow_null=True),
        "media_url": serializers.CharField(allow_null=True),
    },
)


class Open311View(APIView):
    permission_classes = [permissions.AllowAny]


class ServiceList(Open311View):
    @extend_schema(responses={200: ServiceSerializer})
    def get(self, request):
        return Response(
            [
                {
                    "service_code": area.code,
                    "service_name": area.localized_name,
                    "description": area.localized_name,
                    "metadata": False,
                    "type": "batch",
                    "keywords": "",
                    "group": "",
                }
                for area in FocusArea.objects.order_by("position", "code")
            ]
        )


def _as_request(suggestion: Suggestion) -> dict:
    public = suggestion.state == State.IMPLEMENTED
    return {
        "service_request_id": str(suggestion.pk),
        "status": "closed" if suggestion.state in FINAL_STATES else "open",
        "status_notes": str(StateChoices(suggestion.state).label),
        "service_name": suggestion.focus_area.localized_name,
        "service_code": suggestion.focus_area.code,
        "description": suggestion.title if public else None,
        "agency_responsible": suggestion.owner.name if suggestion.owner_id else None,
        "service_notice": None,
        "requested_datetime": suggestion.submitted_at,
        "updated_datetime": suggestion.closed_at or suggestion.stage_started_at,
        "expected_datetime": suggestion.due_at,
        "address": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }


def _sent():
    return (
        Suggestion.objects.exclude(state=State.DRAFT)
        .filter(submitted_at__isnull=False)
        .select_related("focus_area", "owner")
    )


def _when(request, name):
    value = request.query_params.get(name)
    if not value:
        return None
    moment = parse_datetime(value)
    if moment is None:
        raise ValidationError({name: [_("Use an ISO 8601 date and time (w3c format).")]})
    return moment


class RequestList(Open311View):
    @extend_schema(
        parameters=[
            OpenApiParameter("service_request_id", str, description="Ids, comma-separated"),
            OpenApiParameter("service_code", str),
            OpenApiParameter("start_date", str, description="ISO 8601"),
            OpenApiParameter("end_date", str, description="ISO 8601"),
            OpenApiParameter("status", str, enum=["open", "closed"]),
        ],
        responses={200: RequestSerializer},
    )
    def get(self, request):
        requests = _sent()
        ids = request.query_params.get("service_request_id")
        if ids:
            numbers = [n for n in ids.split(",") if n.strip().isdigit() and len(n.strip()) < 10]
            requests = requests.filter(pk__in=[int(n) for n in numbers])
        else:
            start = _when(request, "start_date")
            end = _when(request, "end_date") or timezone.now()
            requests = requests.filter(
                submitted_at__gte=start or end - timedelta(days=DEFAULT_DAYS),
                submitted_at__lte=end,
            )
        if code := request.query_params.get("service_code"):
            requests = requests.filter(focus_area__code=code)
        status = request.query_params.get("status")
        if status == "open":
            requests = requests.exclude(state__in=FINAL_STATES)
        elif status == "closed":
            requests = requests.filter(state__in=FINAL_STATES)
        elif status:
            raise ValidationError({"status": [_("Use open or closed.")]})
        return Response([_as_request(s) for s in requests.order_by("-pk")[:MAX_REQUESTS]])


class RequestDetail(Open311View):
    @extend_schema(responses={200: RequestSerializer})
    def get(self, request, pk: int):
        # The spec answers a single request as a list of one.
        return Response([_as_request(get_object_or_404(_sent(), pk=pk))])

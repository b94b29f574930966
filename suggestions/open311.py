"""Open311 GeoReport v2, read only, so that a city's existing systems can follow the pipeline.

`services` are the focus areas; `requests` are the sent suggestions with their status and the
agency that has them. No personal data: no child, no place in a child's words, and the text
only of implemented suggestions (which are public on the portal already). Where a suggestion
is comes from the portal's own places (`_where`): until it is implemented only its street or
district, by name (`address`) and statistical code (`address_id`); once implemented, the known
place and its point too.

Every resource answers in both of the specification's formats, chosen by the address's
extension (`services.xml`, `services.json`); XML is the specification's default, so an address
under the endpoint that matches nothing answers the specification's 404 error in XML unless it
ends in `.json`. Errors are the specification's list of `{"code", "description"}` (in XML
`<errors><error><code/><description/></error></errors>`), never the portal's envelope.

Both formats are written from the same plain data (`_plain`), so a text comes out of the XML
exactly as the JSON gives it.
"""

import json
import re
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

from django.conf import settings
from django.http import HttpResponse
from django.urls import path, re_path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import exceptions, permissions, renderers, serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.utils.encoders import JSONEncoder
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from groups.models import FocusArea
from places.models import DivisionLevel

from .models import StateChoices, Suggestion
from .workflow import FINAL_STATES, State

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# The discovery file's changeset: when this endpoint's definition last changed.
CHANGESET = "2026-12-07T00:00:00Z"
# The spec's defaults: the last 90 days, at most 1000 requests.
DEFAULT_DAYS = 90
MAX_REQUESTS = 1000
STATUSES = ("open", "closed")
W3C_DATE = "w3c date and time with its time zone, e.g. 2010-01-01T00:00:00Z"

# --- The two formats ------------------------------------------------------------------------

# The element each list's items are written as, in the specification's XML.
XML_ITEMS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}
# What XML 1.0 cannot carry, not even as a character reference; left out of both formats.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _plain(data):
    """The answer as JSON's types (strings, numbers, booleans, None), as DRF writes them."""
    data = json.loads(json.dumps(data, cls=JSONEncoder))

    def clean(value):
        if isinstance(value, str):
            return _NOT_IN_XML.sub("", value)
        if isinstance(value, list):
            return [clean(item) for item in value]
        if isinstance(value, dict):
            return {key: clean(item) for key, item in value.items()}
        return value

    return clean(data)


def _fill(element, value):
    if isinstance(value, list):
        for item in value:
            _fill(ElementTree.SubElement(element, XML_ITEMS[element.tag]), item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _fill(ElementTree.SubElement(element, key), item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)


def to_xml(root: str, data) -> bytes:
    """`data` (plain, see `_plain`) as the specification's XML, under the element `root`."""
    element = ElementTree.Element(root)
    _fill(element, data)
    body = ElementTree.tostring(element, encoding="unicode", short_empty_elements=False)
    # A carriage return stays one only as a reference: parsers turn a raw one into a newline.
    body = body.replace("\r", "&#13;")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body.encode()


class XMLRenderer(renderers.BaseRenderer):
    media_type = "text/xml"
    format = "xml"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = renderer_context["response"]
        root = "errors" if response.exception else renderer_context["view"].xml_root
        return to_xml(root, data)


class JSONRenderer(renderers.JSONRenderer):
    charset = "utf-8"


class ByExtension(BaseContentNegotiation):
    """The address's extension alone decides: each route has exactly one renderer."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


# --- Errors, throttling, jurisdiction -----------------------------------------------------


def _descriptions(detail) -> list[str]:
    if isinstance(detail, dict):
        return [d for item in detail.values() for d in _descriptions(item)]
    if isinstance(detail, list):
        return [d for item in detail for d in _descriptions(item)]
    return [str(detail)]


def exception_handler(exc, context):
    """The specification's errors: a list of `{"code": <HTTP status>, "description": …}`."""
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django's 500 (and its log)
    # Through _plain too: a description may quote what the caller sent.
    response.data = _plain(
        [
            {"code": response.status_code, "description": description}
            for description in _descriptions(getattr(exc, "detail", str(exc)))
        ]
    )
    return response


def not_found(request, *args, **kwargs):
    """An address under the endpoint that names no resource: the spec's 404, in XML unless
    the address asks for JSON."""
    errors = _plain([{"code": 404, "description": _("There is no such resource here.")}])
    if request.path.endswith(".json"):
        return HttpResponse(
            json.dumps(errors, ensure_ascii=False),
            status=404,
            content_type="application/json; charset=utf-8",
        )
    return HttpResponse(
        to_xml("errors", errors), status=404, content_type="text/xml; charset=utf-8"
    )


class Open311RateThrottle(SimpleRateThrottle):
    """Every caller of these read-only endpoints, by address, at OPEN311_RATE: a city's
    dashboard polls them."""

    scope = "open311"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def _check_jurisdiction(request):
    asked = (request.query_params.get("jurisdiction_id") or "").strip()
    ours = settings.OPEN311_JURISDICTION_ID
    if asked and asked.lower() != ours.lower():
        raise exceptions.NotFound(
            _("The jurisdiction_id %(asked)s was not found: this endpoint serves %(ours)s.")
            % {"asked": asked, "ours": ours}
        )


# --- The schema ------------------------------------------------------------------------------

# Written out: drf-spectacular makes a list of a serializer only for a 2xx answer.
ERRORS_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
        "required": ["code", "description"],
    },
}
JURISDICTION = OpenApiParameter(
    "jurisdiction_id",
    str,
    description="Optional: this endpoint serves one jurisdiction (OPEN311_JURISDICTION_ID); "
    "any other answers 404.",
)


class Open311Schema(AutoSchema):
    """Each route's operation: its own id (the resource and the format), a summary, the
    `open311` tag, and its errors in the specification's form."""

    def _format(self) -> str:
        return "xml" if self.path.endswith(".xml") else "json"

    def get_operation_id(self):
        return f"open311_{self.view.operation}_{self._format()}"

    def get_tags(self):
        return ["open311"]

    def get_summary(self):
        return f"{self.view.summary} ({self._format().upper()})"

    def get_override_parameters(self):
        return [*self.view.parameters, *([JURISDICTION] if self.view.in_jurisdiction else [])]

    def get_response_serializers(self):
        errors = {code: ERRORS_SCHEMA for code in self.view.errors}
        return {200: self.view.answer_schema, **errors}


# --- The resources ---------------------------------------------------------------------------


class Open311View(APIView):
    # Public data, the same for everyone: nobody signs in, so nobody fails to.
    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [Open311RateThrottle]
    content_negotiation_class = ByExtension
    renderer_classes = [JSONRenderer]  # each route sets its format's renderer
    metadata_class = None
    schema = Open311Schema()
    in_jurisdiction = True
    parameters = []
    # The errors it may answer (documented in the schema), besides the server's own.
    errors = (404, 429)

    def get_exception_handler(self):
        return exception_handler

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if self.in_jurisdiction:
            _check_jurisdiction(request)

    def respond(self, data) -> Response:
        return Response(_plain(data))


class Discovery(Open311View):
    """Where the endpoint is, which specification and formats it serves, and whom to ask."""

    operation = "discovery"
    summary = "Service discovery"
    xml_root = "discovery"
    in_jurisdiction = False
    errors = (429,)
    answer_schema = inline_serializer(
        "Open311Discovery",
        fields={
            "changeset": serializers.CharField(),
            "contact": serializers.CharField(),
            "key_service": serializers.CharField(),
            "endpoints": inline_serializer(
                "Open311Endpoint",
                many=True,
                fields={
                    "specification": serializers.CharField(),
                    "url": serializers.CharField(),
                    "changeset": serializers.CharField(),
                    "type": serializers.ChoiceField(choices=["production", "test"]),
                    "formats": serializers.ListField(child=serializers.CharField()),
                },
            ),
        },
    )

    def get(self, request):
        return self.respond(
            {
                "changeset": CHANGESET,
                "contact": settings.OPEN311_CONTACT
                or _("The programme office of the children's observation groups: %(url)s")
                % {"url": request.build_absolute_uri("/")},
                "key_service": _("No key is needed: every endpoint here is read only."),
                "endpoints": [
                    {
                        "specification": SPECIFICATION,
                        "url": request.build_absolute_uri(
                            reverse("open311-discovery").removesuffix("/discovery.json")
                        ),
                        "changeset": CHANGESET,
                        "type": "production",
                        "formats": ["text/xml", "application/json"],
                    }
                ],
            }
        )


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


class ServiceList(Open311View):
    """The kinds of request: the focus areas of the children's suggestions."""

    operation = "services"
    summary = "Service list"
    xml_root = "services"
    answer_schema = ServiceSerializer

    def get(self, request):
        return self.respond(
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


class ServiceDefinition(Open311View):
    """A service's attributes: none, since nobody files a request through this endpoint."""

    operation = "service_definition"
    summary = "Service definition"
    xml_root = "service_definition"
    answer_schema = inline_serializer(
        "Open311ServiceDefinition",
        fields={
            "service_code": serializers.CharField(),
            "attributes": serializers.ListField(child=serializers.DictField()),
        },
    )

    def get(self, request, service_code: str):
        if not FocusArea.objects.filter(code=service_code).exists():
            raise exceptions.NotFound(
                _("The service_code %(code)s was not found.") % {"code": service_code}
            )
        return self.respond({"service_code": service_code, "attributes": []})


RequestSerializer = inline_serializer(
    "Open311Request",
    many=True,
    fields={
        "service_request_id": serializers.CharField(),
        "status": serializers.ChoiceField(choices=STATUSES),
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
        "address_id": serializers.CharField(allow_null=True),
        "zipcode": serializers.CharField(allow_null=True),
        "lat": serializers.FloatField(allow_null=True),
        "long": serializers.FloatField(allow_null=True),
        "media_url": serializers.CharField(allow_null=True),
    },
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
        # In the specification's order: address, address_id, zipcode, lat, long.
        **_where(suggestion, public=public),
        "media_url": None,
    }


def _where(suggestion: Suggestion, *, public: bool) -> dict:
    """Where it is, as much as may be public. Implemented (public on the portal already): the
    known place, its divisions and its point, or the child's pin. Before that: only the street
    or district it lies in; a known place (often the child's own school or community) and a
    community are not said."""
    place, division = suggestion.known_place, suggestion.division
    if division is not None and not public:
        division = next(d for d in division.lineage() if d.level != DivisionLevel.COMMUNITY)
    names = [str(place)] if place and public else []
    if division:
        # A community's own place is named once, not as place and division both.
        names += [str(d) for d in reversed(division.lineage()) if str(d) not in names]
    point = (None, None)
    if public and place and place.latitude is not None:
        point = (place.latitude, place.longitude)
    elif public and suggestion.latitude is not None:
        point = (suggestion.latitude, suggestion.longitude)
    return {
        "address": " · ".join(names) or None,
        "address_id": division.code if division else None,
        "zipcode": None,
        "lat": float(point[0]) if point[0] is not None else None,
        "long": float(point[1]) if point[1] is not None else None,
    }


def _sent():
    return (
        Suggestion.objects.exclude(state=State.DRAFT)
        .filter(submitted_at__isnull=False)
        .select_related("focus_area", "owner", "known_place", "division__parent__parent")
    )


def _listed(request, name) -> list[str]:
    """A parameter the spec lets a caller declare several times, comma delimited."""
    return [
        item.strip()
        for value in request.query_params.getlist(name)
        for item in value.split(",")
        if item.strip()
    ]


def _countable(moment) -> bool:
    """Whether the span the spec counts back from a date is all on the calendar, in UTC."""
    try:
        return moment.astimezone(UTC) - timedelta(days=DEFAULT_DAYS) > datetime.min.replace(
            tzinfo=UTC
        )
    except OverflowError:
        return False


def _when(request, name):
    value = request.query_params.get(name)
    if not value:
        return None
    try:
        moment = parse_datetime(value.strip())
    except ValueError:  # well formed, but no such day or hour
        moment = None
    if moment is not None and (timezone.is_naive(moment) or not _countable(moment)):
        moment = None
    if moment is None:
        raise exceptions.ValidationError(
            [
                _("%(name)s: use a w3c date and time with its time zone, e.g. %(example)s.")
                % {"name": name, "example": "2010-01-01T00:00:00Z"}
            ]
        )
    return moment


class RequestList(Open311View):
    """The sent suggestions, newest first: by default those of the last 90 days, at most 1000."""

    operation = "requests"
    summary = "Service requests"
    xml_root = "service_requests"
    answer_schema = RequestSerializer
    errors = (400, 404, 429)
    parameters = [
        OpenApiParameter(
            "service_request_id", str, description="Ids, comma delimited; overrides the others"
        ),
        OpenApiParameter("service_code", str, description="Service codes, comma delimited"),
        OpenApiParameter(
            "start_date", str, description="w3c date and time, e.g. 2010-01-01T00:00:00Z"
        ),
        OpenApiParameter(
            "end_date", str, description="w3c date and time, e.g. 2010-01-01T00:00:00Z"
        ),
        OpenApiParameter("status", str, description="open, closed, or both comma delimited"),
    ]

    def get(self, request):
        requests = _sent()
        if ids := _listed(request, "service_request_id"):
            # The spec: service_request_id overrides every other argument.
            numbers = [int(n) for n in ids if n.isascii() and n.isdigit() and len(n) < 10]
            requests = requests.filter(pk__in=numbers)
        else:
            start = _when(request, "start_date")
            end = _when(request, "end_date") or timezone.now()
            requests = requests.filter(
                submitted_at__gte=start or end - timedelta(days=DEFAULT_DAYS),
                submitted_at__lte=end,
            )
            if codes := _listed(request, "service_code"):
                requests = requests.filter(focus_area__code__in=codes)
            statuses = set(_listed(request, "status"))
            if statuses - set(STATUSES):
                raise exceptions.ValidationError(
                    [_("status: use open, closed, or both comma delimited.")]
                )
            if statuses == {"open"}:
                requests = requests.exclude(state__in=FINAL_STATES)
            elif statuses == {"closed"}:
                requests = requests.filter(state__in=FINAL_STATES)
        return self.respond([_as_request(s) for s in requests.order_by("-pk")[:MAX_REQUESTS]])


class RequestDetail(Open311View):
    """One sent suggestion; the spec answers it as a list of one."""

    operation = "request"
    summary = "Service request"
    xml_root = "service_requests"
    answer_schema = RequestSerializer

    def get(self, request, service_request_id: int):
        suggestion = _sent().filter(pk=service_request_id).first()
        if suggestion is None:
            raise exceptions.NotFound(
                _("The service_request_id %(id)s was not found.") % {"id": service_request_id}
            )
        return self.respond([_as_request(suggestion)])


def _routes(address: str, view, name: str) -> list:
    return [
        path(f"{address}.json", view.as_view(renderer_classes=[JSONRenderer]), name=name),
        path(f"{address}.xml", view.as_view(renderer_classes=[XMLRenderer]), name=f"{name}-xml"),
    ]


# Included under api/open311/v2/ (hangzhou_cfc/urls.py).
urlpatterns = [
    *_routes("discovery", Discovery, "open311-discovery"),
    *_routes("services", ServiceList, "open311-services"),
    *_routes("services/<slug:service_code>", ServiceDefinition, "open311-service"),
    *_routes("requests", RequestList, "open311-requests"),
    *_routes("requests/<int:service_request_id>", RequestDetail, "open311-request"),
    re_path(r"", not_found),
]

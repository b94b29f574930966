"""The suggestions API: the same services and selectors as the pages.

A child creates, lists and withdraws their own; staff list what their organisation owns or
owned and make each workflow move as its own POST (`/suggestions/{id}/collect/` …). An illegal
move answers 409 and changes nothing. Everyone sees only what `suggestions.see_suggestion`
lets them see: a suggestion that is not yours is a 404.
"""

import django_filters
import rules
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from groups.models import FocusArea
from hangzhou_cfc.api import CursorPagination, StrictSerializer
from hangzhou_cfc.filters import UtcIsoDateTimeFilter
from hangzhou_cfc.schema import ERROR_MEANINGS, ErrorSerializer
from places.models import BOTH_OR_NEITHER, LATITUDE_RANGE, LONGITUDE_RANGE, Division, Place

from . import selectors, services, workflow
from .models import ParticipationRole, StageChange, StateChoices, Suggestion
from .permissions import actor_for


class StageChangeSerializer(serializers.ModelSerializer):
    by_router = serializers.BooleanField(read_only=True)
    owner = serializers.CharField(
        source="owner.name", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = StageChange
        fields = ["action", "from_state", "to_state", "by_router", "owner", "note", "due_at",
                  "created_at"]  # fmt: skip


class HeardFromSerializer(serializers.Serializer):
    """ "27 children in 6 schools": the author and every child who said "me too"."""

    children = serializers.IntegerField(min_value=1)
    schools = serializers.IntegerField(min_value=1)


class SuggestionSerializer(serializers.ModelSerializer):
    """A suggestion as its child, their guardians and its handlers see it: the child appears
    by pseudonym only."""

    child = serializers.CharField(source="child.pseudonym", read_only=True)
    # None while a draft has no focus area yet.
    focus_area = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    owner = serializers.CharField(
        source="owner.name", default=None, read_only=True, allow_null=True
    )
    stage = serializers.CharField(read_only=True, allow_null=True)
    # Blank while a draft has no role yet.
    role = serializers.ChoiceField(
        choices=ParticipationRole.choices, allow_blank=True, read_only=True
    )
    known_place = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    # The statistical code (330106002), as in the places' own data.
    division = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    heard_from = serializers.SerializerMethodField()

    class Meta:
        model = Suggestion
        fields = ["id", "child", "title", "noticed", "proposal", "place", "known_place",
                  "division", "latitude", "longitude", "focus_area", "role", "state", "stage",
                  "owner", "due_at", "overdue_since", "merged_into", "answer", "planned_on",
                  "progress", "version", "created_at", "submitted_at", "closed_at",
                  "heard_from"]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(HeardFromSerializer)
    def get_heard_from(self, suggestion) -> dict:
        heard = selectors.heard_from(suggestion)
        return {"children": heard.children, "schools": heard.schools}


class SuggestionRowSerializer(serializers.Serializer):
    """The same representation as SuggestionSerializer, read from `.values()` rows: a page of
    a long list without building a model instance per row."""

    id = serializers.IntegerField()
    child = serializers.CharField(source="child__pseudonym")
    title = serializers.CharField()
    noticed = serializers.CharField()
    proposal = serializers.CharField()
    place = serializers.CharField()
    known_place = serializers.IntegerField(allow_null=True)
    division = serializers.CharField(source="division__code", allow_null=True)
    latitude = serializers.DecimalField(max_digits=8, decimal_places=5, allow_null=True)
    longitude = serializers.DecimalField(max_digits=8, decimal_places=5, allow_null=True)
    focus_area = serializers.CharField(source="focus_area__code", allow_null=True)
    role = serializers.CharField()
    state = serializers.CharField()
    stage = serializers.SerializerMethodField()
    owner = serializers.CharField(source="owner__name", allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    overdue_since = serializers.DateTimeField(allow_null=True)
    merged_into = serializers.IntegerField(allow_null=True)
    answer = serializers.CharField()
    planned_on = serializers.DateField(allow_null=True)
    progress = serializers.IntegerField()
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    heard_from = HeardFromSerializer()

    VALUES = ["id", "child__pseudonym", "title", "noticed", "proposal", "place", "known_place",
              "division__code", "latitude", "longitude", "focus_area__code", "role", "state",
              "owner__name", "due_at", "overdue_since", "merged_into", "answer", "planned_on",
              "progress", "version", "created_at", "submitted_at", "closed_at",
              "voice_count", "voice_other_schools"]  # fmt: skip

    def get_stage(self, row) -> str | None:
        return workflow.stage_of(workflow.State(row["state"]))

    def to_representation(self, row):
        # The fields above document it; this writes it without a field call per cell (a test
        # holds it equal to SuggestionSerializer's output).
        moment, day = _DATETIME.to_representation, _DATE.to_representation
        degrees = _DEGREES.to_representation
        return {
            "id": row["id"],
            "child": row["child__pseudonym"],
            "title": row["title"],
            "noticed": row["noticed"],
            "proposal": row["proposal"],
            "place": row["place"],
            "known_place": row["known_place"],
            "division": row["division__code"],
            "latitude": degrees(row["latitude"]) if row["latitude"] is not None else None,
            "longitude": degrees(row["longitude"]) if row["longitude"] is not None else None,
            "focus_area": row["focus_area__code"],
            "role": row["role"],
            "state": row["state"],
            "stage": self.get_stage(row),
            "owner": row["owner__name"],
            "due_at": moment(row["due_at"]) if row["due_at"] else None,
            "overdue_since": moment(row["overdue_since"]) if row["overdue_since"] else None,
            "merged_into": row["merged_into"],
            "answer": row["answer"],
            "planned_on": day(row["planned_on"]) if row["planned_on"] else None,
            "progress": row["progress"],
            "version": row["version"],
            "created_at": moment(row["created_at"]),
            "submitted_at": moment(row["submitted_at"]) if row["submitted_at"] else None,
            "closed_at": moment(row["closed_at"]) if row["closed_at"] else None,
            "heard_from": {
                "children": 1 + row["voice_count"],
                "schools": 1 + row["voice_other_schools"],
            },
        }


_DATETIME, _DATE = serializers.DateTimeField(), serializers.DateField()
_DEGREES = serializers.DecimalField(max_digits=8, decimal_places=5)
OUTSIDE_THE_CITY = _("This point is outside Hangzhou.")


def _degrees(bounds):
    low, high = bounds
    return serializers.DecimalField(
        max_digits=8,
        decimal_places=5,
        min_value=low,
        max_value=high,
        required=False,
        allow_null=True,
        error_messages={"min_value": OUTSIDE_THE_CITY, "max_value": OUTSIDE_THE_CITY},
    )


class SuggestionCreateSerializer(StrictSerializer):
    """A draft (`submit`: false) needs only its title; sending it needs the rest, which the
    service checks (400 naming each field that is missing)."""

    title = serializers.CharField(max_length=80)
    noticed = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    proposal = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    place = serializers.CharField(max_length=120, required=False, allow_blank=True)
    # Where it is as the portal knows places (/api/v1/places/?search=, /api/v1/divisions/):
    # a known place brings its division; a division alone may be a district, street or
    # community.
    known_place = serializers.PrimaryKeyRelatedField(
        queryset=Place.objects.select_related("division"),
        pk_field=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
        required=False,
        allow_null=True,
        error_messages={"does_not_exist": _("There is no known place with this id.")},
    )
    division = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Division.objects.all(),
        required=False,
        allow_null=True,
        error_messages={"does_not_exist": _("No division of Hangzhou has this code.")},
    )
    latitude = _degrees(LATITUDE_RANGE)
    longitude = _degrees(LONGITUDE_RANGE)
    focus_area = serializers.SlugRelatedField(
        slug_field="code", queryset=FocusArea.objects.all(), required=False, allow_null=True
    )
    role = serializers.ChoiceField(
        choices=ParticipationRole.choices, required=False, allow_blank=True
    )
    submit = serializers.BooleanField(default=True)

    def validate(self, data):
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            raise serializers.ValidationError({"longitude": BOTH_OR_NEITHER})
        place, division = data.get("known_place"), data.get("division")
        if place and division and division not in place.division.lineage():
            raise serializers.ValidationError(
                {"division": _("This known place is not in this division.")}
            )
        return data


class OutcomeSerializer(StrictSerializer):
    description = serializers.CharField(max_length=2000)
    quantity = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    unit = serializers.CharField(max_length=40, required=False, allow_blank=True)
    completed_on = serializers.DateField()


class MoveSerializer(StrictSerializer):
    """What every move may carry: the version the client saw and a note."""

    version = serializers.IntegerField(
        required=False,
        min_value=0,
        help_text="The suggestion's `version` the client saw; an older one gets 409 `stale`.",
    )
    note = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        help_text="Words for the child (a reason, a question), kept in the history.",
    )

    def __init__(self, *args, suggestion: Suggestion | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if suggestion is not None and "merged_into" in self.fields:
            # What the page's form offers: another school's suggestion, or one that does
            # not exist, is the same unknown id.
            self.fields["merged_into"].queryset = selectors.merge_candidates(suggestion)


# What a move needs beyond version and note (workflow.MOVES[...].needs), field by field.
_MOVE_FIELDS = {
    "merge": lambda: {
        "merged_into": serializers.PrimaryKeyRelatedField(
            queryset=Suggestion.objects.none(),
            help_text="An open suggestion of the same school, the one that goes on.",
        )
    },
    "accept": lambda: {
        "planned_on": serializers.DateField(help_text="The day the work is planned to end.")
    },
    "forward": lambda: {
        "department": serializers.PrimaryKeyRelatedField(
            queryset=selectors.departments(),
            required=False,
            help_text="A city department; left out, the routing rules choose.",
        )
    },
    "refer": lambda: {
        "department": serializers.PrimaryKeyRelatedField(
            queryset=selectors.departments(), help_text="Another city department."
        )
    },
    "resolve_locally": lambda: {"outcome": OutcomeSerializer()},
    "mark_implemented": lambda: {"outcome": OutcomeSerializer()},
}


def _move_serializer(name: str) -> type[MoveSerializer]:
    """The body of one move: its own class, so that the schema names exactly what it takes
    (`MergeMoveRequest` …) and a note is required where the workflow needs one."""
    fields = _MOVE_FIELDS.get(name, dict)()
    if "note" in workflow.MOVES[name].needs:
        fields["note"] = serializers.CharField(
            max_length=2000, help_text="Words for the child: required for this move."
        )
    if not fields:
        return MoveSerializer
    camel = "".join(part.capitalize() for part in name.split("_"))
    return type(f"{camel}MoveSerializer", (MoveSerializer,), fields)


class SuggestionFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=StateChoices.choices)
    focus_area = django_filters.CharFilter(field_name="focus_area__code")
    overdue = django_filters.BooleanFilter(field_name="overdue_since", lookup_expr="isnull",
                                           exclude=True)  # fmt: skip
    submitted_after = UtcIsoDateTimeFilter(field_name="submitted_at", lookup_expr="gte")

    class Meta:
        model = Suggestion
        fields = ["state", "focus_area", "overdue", "submitted_after"]


# The moves people make (the router's are the worker's), each its own endpoint.
PEOPLE_MOVES = [
    name
    for name, move in workflow.MOVES.items()
    if move.actors != frozenset({workflow.Actor.ROUTER})
]


class SuggestionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):  # fmt: skip
    serializer_class = SuggestionSerializer
    filterset_class = SuggestionFilter
    pagination_class = CursorPagination
    ordering_fields = ["created_at", "submitted_at", "due_at", "id"]
    ordering = ["-id"]

    def get_queryset(self):
        return selectors.visible_to(
            self.request.user,
            selectors.with_voices(
                Suggestion.objects.select_related("child", "focus_area", "owner")
            ),
        )

    def list(self, request, *args, **kwargs):
        rows = self.filter_queryset(self.get_queryset()).values(*SuggestionRowSerializer.VALUES)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(SuggestionRowSerializer(page, many=True).data)

    @extend_schema(request=SuggestionCreateSerializer, responses={201: SuggestionSerializer})
    def create(self, request, *args, **kwargs):
        if not rules.has_perm("suggestions.write_suggestion", request.user):
            raise PermissionDenied
        data = SuggestionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        suggestion = services.suggestion_create(child=request.user.child, **data.validated_data)
        return Response(SuggestionSerializer(suggestion).data, status=201)

    @extend_schema(
        responses={200: StageChangeSerializer(many=True)},
        summary="Read a suggestion's journey: one row per move",
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def history(self, request, pk=None):
        suggestion = self.get_object()
        changes = list(suggestion.history.select_related("owner").order_by("created_at", "pk"))
        staff = selectors.reads_handover_notes(request.user)
        for change in changes:  # as on the page: notes for the next desk are for staff
            change.note = selectors.note_seen(change, staff=staff)
        return Response(StageChangeSerializer(changes, many=True).data)


# One line per move for the schema (English, for the developers who read it).
MOVE_SUMMARIES = {
    "submit": "Send a draft (the child)",
    "resubmit": "Send a returned suggestion again (the child)",
    "withdraw": "Withdraw a suggestion (the child)",
    "collect": "Collect a suggestion for the community (the school)",
    "return": "Return a suggestion with a question (the school)",
    "merge": "Merge a suggestion into another of the same school (the school)",
    "resolve_locally": "Resolve a suggestion in the community (the community)",
    "forward": "Forward a suggestion to a city department (the community)",
    "accept": "Accept a suggestion with a planned date (the department)",
    "refer": "Refer a suggestion to another department (the department)",
    "mark_implemented": "Mark a suggestion implemented, with its outcome (the department)",
    "decline": "Decline a suggestion with a reason (its owner, or the programme office)",
}


def _refuse_if_impossible(name, suggestion, user, data) -> None:
    """The 409 the service would give, in its order (stale first), without a lock: for a body
    that is not valid, so that a client learns first that the move is not possible."""
    seen = data.get("version") if isinstance(data, dict) else None
    if type(seen) is int and seen != suggestion.version:
        raise services.StaleSuggestion
    actor = actor_for(user, suggestion)
    if actor is None:
        raise workflow.IllegalMove(name, workflow.State(suggestion.state), None, "not_on_your_desk")
    workflow.move_for(name, workflow.State(suggestion.state), actor)


def _move_endpoint(name):
    body = _move_serializer(name)

    def move(self, request, pk=None):
        suggestion = self.get_object()
        data = body(data=request.data, suggestion=suggestion)
        if not data.is_valid():
            # Whether the move is possible now comes first (409), then what it needs (400).
            _refuse_if_impossible(name, suggestion, request.user, request.data)
            raise serializers.ValidationError(data.errors)
        values = dict(data.validated_data)
        try:
            moved = services.suggestion_transition(
                suggestion=suggestion,
                action=name,
                user=request.user,
                expected_version=values.pop("version", None),
                **values,
            )
        except services.NotAllowed:
            # They may see it (it was on their desk once) but it is not on their desk now.
            raise workflow.IllegalMove(
                name, workflow.State(suggestion.state), None, "not_on_your_desk"
            ) from None
        return Response(SuggestionSerializer(moved).data)

    move.__name__ = f"move_{name}"
    endpoint = action(
        detail=True,
        methods=["post"],
        url_path=name,
        url_name=f"move-{name.replace('_', '-')}",
        filterset_class=None,
        pagination_class=None,
    )(move)
    # After action(), which replaces the function's kwargs and with them a schema set before.
    return extend_schema(
        request=body,
        responses={
            200: SuggestionSerializer,
            409: OpenApiResponse(ErrorSerializer, description=ERROR_MEANINGS[409]),
        },
        summary=MOVE_SUMMARIES[name],
        description=f"The workflow move `{name}`. 409 with code `illegal_move` when it is not "
        "possible now (the reason in `fields.reason`), `stale` when `version` is older than "
        "the suggestion's.",
    )(endpoint)


for _name in PEOPLE_MOVES:
    setattr(SuggestionViewSet, f"move_{_name}", _move_endpoint(_name))


class ImplementedSerializer(serializers.ModelSerializer):
    child = serializers.CharField(source="child.pseudonym", read_only=True)
    focus_area = serializers.SlugRelatedField(slug_field="code", read_only=True)
    outcome = serializers.CharField(
        source="outcome.description", default=None, allow_null=True, read_only=True
    )
    quantity = serializers.DecimalField(
        source="outcome.quantity",
        max_digits=12,
        decimal_places=2,
        default=None,
        allow_null=True,
        read_only=True,
    )
    unit = serializers.CharField(
        source="outcome.unit", default=None, allow_null=True, read_only=True
    )

    class Meta:
        model = Suggestion
        fields = ["id", "child", "title", "proposal", "place", "focus_area", "outcome",
                  "quantity", "unit", "closed_at"]  # fmt: skip
        read_only_fields = fields


class ImplementedFilter(django_filters.FilterSet):
    focus_area = django_filters.CharFilter(field_name="focus_area__code")

    class Meta:
        model = Suggestion
        fields = ["focus_area"]


class ImplementedViewSet(viewsets.ReadOnlyModelViewSet):
    """'You said, we did': implemented suggestions, for anyone, pseudonyms only."""

    permission_classes = [permissions.AllowAny]
    serializer_class = ImplementedSerializer
    queryset = selectors.implemented_publicly().order_by("-closed_at", "-id")
    filterset_class = ImplementedFilter
    ordering_fields = ["closed_at", "id"]

"""The suggestions API: the same services and selectors as the pages.

A child creates, lists and withdraws their own; staff list what their organisation owns or
owned and make each workflow move as its own POST (`/suggestions/{id}/collect/` …). An illegal
move answers 409 and changes nothing. Everyone sees only what `suggestions.see_suggestion`
lets them see: a suggestion that is not yours is a 404.
"""

from datetime import UTC

import django_filters
import rules
from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from groups.models import FocusArea
from hangzhou_cfc.api import CursorPagination, StrictSerializer

from . import selectors, services, workflow
from .models import ParticipationRole, StageChange, StateChoices, Suggestion


class StageChangeSerializer(serializers.ModelSerializer):
    by_router = serializers.BooleanField(read_only=True)
    owner = serializers.CharField(
        source="owner.name", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = StageChange
        fields = ["action", "from_state", "to_state", "by_router", "owner", "note", "due_at",
                  "created_at"]  # fmt: skip


class SuggestionSerializer(serializers.ModelSerializer):
    """A suggestion as its child, their guardians and its handlers see it: the child appears
    by pseudonym only."""

    child = serializers.CharField(source="child.pseudonym", read_only=True)
    focus_area = serializers.SlugRelatedField(slug_field="code", read_only=True)
    owner = serializers.CharField(
        source="owner.name", default=None, read_only=True, allow_null=True
    )
    stage = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = Suggestion
        fields = ["id", "child", "title", "noticed", "proposal", "place", "focus_area", "role",
                  "state", "stage", "owner", "due_at", "overdue_since", "merged_into", "answer",
                  "planned_on", "progress", "version", "created_at", "submitted_at",
                  "closed_at"]  # fmt: skip
        read_only_fields = fields


class SuggestionRowSerializer(serializers.Serializer):
    """The same representation as SuggestionSerializer, read from `.values()` rows: a page of
    a long list without building a model instance per row."""

    id = serializers.IntegerField()
    child = serializers.CharField(source="child__pseudonym")
    title = serializers.CharField()
    noticed = serializers.CharField()
    proposal = serializers.CharField()
    place = serializers.CharField()
    focus_area = serializers.CharField(source="focus_area__code")
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

    VALUES = ["id", "child__pseudonym", "title", "noticed", "proposal", "place",
              "focus_area__code", "role", "state", "owner__name", "due_at", "overdue_since",
              "merged_into", "answer", "planned_on", "progress", "version", "created_at",
              "submitted_at", "closed_at"]  # fmt: skip

    def get_stage(self, row) -> str | None:
        return workflow.stage_of(workflow.State(row["state"]))

    def to_representation(self, row):
        # The fields above document it; this writes it without a field call per cell (a test
        # holds it equal to SuggestionSerializer's output).
        moment, day = _DATETIME.to_representation, _DATE.to_representation
        return {
            "id": row["id"],
            "child": row["child__pseudonym"],
            "title": row["title"],
            "noticed": row["noticed"],
            "proposal": row["proposal"],
            "place": row["place"],
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
        }


_DATETIME, _DATE = serializers.DateTimeField(), serializers.DateField()


class SuggestionCreateSerializer(StrictSerializer):
    title = serializers.CharField(max_length=80)
    noticed = serializers.CharField(max_length=2000)
    proposal = serializers.CharField(max_length=2000)
    place = serializers.CharField(max_length=120)
    focus_area = serializers.SlugRelatedField(slug_field="code", queryset=FocusArea.objects.all())
    role = serializers.ChoiceField(choices=ParticipationRole.choices)
    submit = serializers.BooleanField(default=True)


class OutcomeSerializer(StrictSerializer):
    description = serializers.CharField(max_length=2000)
    quantity = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    unit = serializers.CharField(max_length=40, required=False, allow_blank=True)
    completed_on = serializers.DateField()


class MoveSerializer(StrictSerializer):
    """What a move may carry: `version` (the one the client saw; a stale one gets 409) and
    what the move needs (see the workflow): a note, the suggestion it merges into, the planned
    date, the department, the outcome."""

    version = serializers.IntegerField(required=False, min_value=0)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    merged_into = serializers.PrimaryKeyRelatedField(
        queryset=Suggestion.objects.none(), required=False
    )
    planned_on = serializers.DateField(required=False)
    department = serializers.PrimaryKeyRelatedField(
        queryset=selectors.departments(), required=False
    )
    outcome = OutcomeSerializer(required=False)

    def __init__(self, *args, suggestion: Suggestion | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if suggestion is not None:
            # What the page's form offers: another school's suggestion, or one that does
            # not exist, is the same unknown id.
            self.fields["merged_into"].queryset = selectors.merge_candidates(suggestion)


class SuggestionFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=StateChoices.choices)
    focus_area = django_filters.CharFilter(field_name="focus_area__code")
    overdue = django_filters.BooleanFilter(field_name="overdue_since", lookup_expr="isnull",
                                           exclude=True)  # fmt: skip
    submitted_after = django_filters.IsoDateTimeFilter(method="filter_submitted_after")

    class Meta:
        model = Suggestion
        fields = ["state", "focus_area", "overdue", "submitted_after"]

    def filter_submitted_after(self, queryset, name, value):
        # In UTC: PostgreSQL refuses offsets beyond ±15:59, and years before 1 are no date.
        try:
            moment = value.astimezone(UTC)
        except (OverflowError, ValueError):
            raise serializers.ValidationError({name: [_("This is not a usable date.")]}) from None
        return queryset.filter(submitted_at__gte=moment)


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
            Suggestion.objects.select_related("child", "focus_area", "owner"),
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

    @extend_schema(responses={200: StageChangeSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def history(self, request, pk=None):
        suggestion = self.get_object()
        changes = suggestion.history.select_related("owner").order_by("created_at", "pk")
        return Response(StageChangeSerializer(changes, many=True).data)


def _move_endpoint(name):
    @extend_schema(
        request=MoveSerializer,
        responses={200: SuggestionSerializer},
        summary=f"The workflow move “{name}”",
        description="409 with code `illegal_move` when the move is not possible now, `stale` "
        "when `version` is older than the suggestion's.",
    )
    def move(self, request, pk=None):
        suggestion = self.get_object()
        data = MoveSerializer(data=request.data, suggestion=suggestion)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        try:
            with transaction.atomic():
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
    return action(
        detail=True,
        methods=["post"],
        url_path=name,
        url_name=f"move-{name.replace('_', '-')}",
        filterset_class=None,
        pagination_class=None,
    )(move)


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

"""Read-only API of the directory: practice bases and programmes (public information)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.response import Response

from groups.models import Child, Mentor, ObservationGroup, Organisation, SubTeam
from hangzhou_cfc.api import StrictSerializer
from suggestions.models import ParticipationRole, Suggestion

from . import selectors, services
from .filters import ActivityFilter
from .models import Activity, ActivityKind, PracticeBase, Programme, TrainingSession


class PracticeBaseSerializer(serializers.ModelSerializer):
    district = serializers.CharField(source="district.name", read_only=True)

    class Meta:
        model = PracticeBase
        fields = ["id", "code", "name", "name_en", "kind", "district", "address", "certified_on",
                  "expires_on"]  # fmt: skip


class PracticeBaseViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [permissions.AllowAny]
    serializer_class = PracticeBaseSerializer
    queryset = PracticeBase.objects.select_related("district").order_by("code")
    filterset_fields = ["kind", "district"]
    ordering_fields = ["name", "expires_on", "certified_on"]


class ProgrammeSerializer(serializers.ModelSerializer):
    figures = serializers.SerializerMethodField()

    class Meta:
        model = Programme
        fields = ["id", "code", "name", "name_en", "description", "description_en", "part_of",
                  "started_on", "figures"]  # fmt: skip

    def get_figures(self, programme) -> list[dict]:
        return [
            {"name": f.name, "name_en": f.name_en, "value": f.value, "recorded_on": f.recorded_on}
            for f in programme.figures.all()
        ]


class ProgrammeViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [permissions.AllowAny]
    serializer_class = ProgrammeSerializer
    queryset = Programme.objects.prefetch_related("figures").order_by("code")
    filterset_fields = ["part_of"]
    ordering_fields = ["name", "started_on"]


# --- Training sessions and activities: mentors (and organisers) write theirs -----------------


class TrainingSessionSerializer(serializers.ModelSerializer):
    attendees = serializers.SerializerMethodField()

    class Meta:
        model = TrainingSession
        fields = ["id", "held_on", "topic", "hours", "sub_teams", "mentors", "notes",
                  "attendees", "logged_at"]  # fmt: skip

    def get_attendees(self, session) -> list[str]:
        """Pseudonyms of who attended."""
        return [a.child.pseudonym for a in session.attendances.all()]


class TrainingSessionWriteSerializer(StrictSerializer):
    held_on = serializers.DateField()
    topic = serializers.CharField(max_length=120)
    hours = serializers.DecimalField(max_digits=4, decimal_places=1)
    sub_teams = serializers.PrimaryKeyRelatedField(
        queryset=SubTeam.objects.all(), many=True, allow_empty=False
    )
    attendees = serializers.PrimaryKeyRelatedField(
        queryset=Child.objects.all(), many=True, required=False
    )
    mentors = serializers.PrimaryKeyRelatedField(
        queryset=Mentor.objects.all(), many=True, required=False
    )
    notes = serializers.CharField(max_length=4000, required=False, allow_blank=True)


class TrainingSessionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
    mixins.UpdateModelMixin, viewsets.GenericViewSet,
):  # fmt: skip
    """Sessions of the sub-teams the user may see; mentors log and correct theirs."""

    serializer_class = TrainingSessionSerializer
    filterset_fields = ["held_on", "sub_teams"]
    ordering_fields = ["held_on", "id"]
    ordering = ["-held_on", "-id"]
    http_method_names = ["get", "post", "put", "head", "options"]

    def get_queryset(self):
        return (
            TrainingSession.objects.filter(
                sub_teams__in=selectors.sub_teams_seen_by(self.request.user)
            )
            .distinct()
            .prefetch_related("sub_teams", "mentors", "attendances__child")
        )

    def _write(self, request, session=None):
        data = TrainingSessionWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values.setdefault("attendees", [])
        values.setdefault("notes", "")
        if session is None:
            session = services.training_session_log(user=request.user, **values)
        else:
            session = services.training_session_correct(
                session=session, user=request.user, **values
            )
        session = (
            self.get_queryset()
            .model.objects.prefetch_related("sub_teams", "mentors", "attendances__child")
            .get(pk=session.pk)
        )
        return TrainingSessionSerializer(session).data

    @extend_schema(
        request=TrainingSessionWriteSerializer, responses={201: TrainingSessionSerializer}
    )
    def create(self, request, *args, **kwargs):
        return Response(self._write(request), status=201)

    @extend_schema(
        request=TrainingSessionWriteSerializer, responses={200: TrainingSessionSerializer}
    )
    def update(self, request, *args, **kwargs):
        return Response(self._write(request, self.get_object()))


class ActivitySerializer(serializers.ModelSerializer):
    attendees = serializers.SerializerMethodField()

    class Meta:
        model = Activity
        fields = ["id", "title", "kind", "role", "starts_at", "ends_at", "place",
                  "practice_base", "group", "sub_teams", "partners", "children_count",
                  "adults_count", "attendees", "programme", "suggestions", "report"]  # fmt: skip

    def get_attendees(self, activity) -> list[str] | None:
        """Pseudonyms of the registered children who came: only for the group's people."""
        user = self.context["request"].user
        if not user.has_perm("activities.see_activity_people", activity):
            return None
        return [child.pseudonym for child in activity.attendees.all()]


class ActivityWriteSerializer(StrictSerializer):
    group = serializers.PrimaryKeyRelatedField(queryset=ObservationGroup.objects.all())
    title = serializers.CharField(max_length=120)
    kind = serializers.ChoiceField(choices=ActivityKind.choices)
    role = serializers.ChoiceField(choices=ParticipationRole.choices)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    place = serializers.CharField(max_length=200, required=False, allow_blank=True)
    practice_base = serializers.PrimaryKeyRelatedField(
        queryset=PracticeBase.objects.all(), required=False, allow_null=True
    )
    sub_teams = serializers.PrimaryKeyRelatedField(
        queryset=SubTeam.objects.all(), many=True, required=False
    )
    partners = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), many=True, required=False
    )
    children_count = serializers.IntegerField(min_value=0, max_value=2**31 - 1)
    adults_count = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False)
    attendees = serializers.PrimaryKeyRelatedField(
        queryset=Child.objects.all(), many=True, required=False
    )
    programme = serializers.PrimaryKeyRelatedField(
        queryset=Programme.objects.all(), required=False, allow_null=True
    )
    suggestions = serializers.PrimaryKeyRelatedField(
        queryset=Suggestion.objects.all(), many=True, required=False
    )
    report = serializers.CharField(max_length=4000, required=False, allow_blank=True)


class ActivityViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
    mixins.UpdateModelMixin, viewsets.GenericViewSet,
):  # fmt: skip
    """Activities are public; their organisers log and change them."""

    serializer_class = ActivitySerializer
    filterset_class = ActivityFilter
    ordering_fields = ["starts_at", "id"]
    ordering = ["-starts_at", "-id"]
    http_method_names = ["get", "post", "put", "head", "options"]

    def get_permissions(self):
        if self.request.method in permissions.SAFE_METHODS:
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    def get_queryset(self):
        return selectors.activity_list().prefetch_related(
            "sub_teams", "partners", "suggestions", "attendees"
        )

    def _write(self, request, activity=None):
        data = ActivityWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        group = values.pop("group")
        if activity is None:
            activity = services.activity_log(user=request.user, group=group, **values)
        else:
            if group != activity.group:
                raise DjangoValidationError({"group": _("An activity keeps its group.")})
            activity = services.activity_change(activity=activity, user=request.user, **values)
        activity = self.get_queryset().get(pk=activity.pk)
        return ActivitySerializer(activity, context={"request": request}).data

    @extend_schema(request=ActivityWriteSerializer, responses={201: ActivitySerializer})
    def create(self, request, *args, **kwargs):
        return Response(self._write(request), status=201)

    @extend_schema(request=ActivityWriteSerializer, responses={200: ActivitySerializer})
    def update(self, request, *args, **kwargs):
        return Response(self._write(request, self.get_object()))

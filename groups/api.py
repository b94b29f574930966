"""Read-only API of the groups: names, levels and how they hang together; no child in it."""

from rest_framework import permissions, serializers, viewsets

from .models import ObservationGroup, SubTeam


class ObservationGroupSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.name", read_only=True)

    class Meta:
        model = ObservationGroup
        fields = ["id", "name", "name_en", "level", "organisation", "fostered_by", "founded_on"]


class ObservationGroupViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [permissions.AllowAny]
    serializer_class = ObservationGroupSerializer
    queryset = ObservationGroup.objects.select_related("organisation").order_by("level", "id")
    filterset_fields = ["level", "fostered_by"]
    ordering_fields = ["name", "founded_on"]


class SubTeamSerializer(serializers.ModelSerializer):
    focus_area = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = SubTeam
        fields = ["id", "name", "name_en", "group", "focus_area", "term_days"]


class SubTeamViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [permissions.AllowAny]
    serializer_class = SubTeamSerializer
    queryset = SubTeam.objects.select_related("focus_area").order_by("id")
    filterset_fields = ["group"]
    ordering_fields = ["name"]

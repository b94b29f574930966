"""Read-only API of the directory: practice bases and programmes (public information)."""

from rest_framework import permissions, serializers, viewsets

from .models import PracticeBase, Programme


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

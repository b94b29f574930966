"""Divisions and known places, read only and public: what a suggestion's place refers to.

A division is named by its statistical code (`/divisions/330106002/`); `?parent=` lists the
streets of a district or the communities of a street, no parent the districts. Known places
are found as a child finds them (`?search=xh`), retired ones left out.
"""

import django_filters
from rest_framework import permissions, serializers, viewsets

from .models import Division, DivisionLevel, Place, PlaceKind
from .selectors import SEARCH_MAX_LENGTH, places_search

# At most this many known places answer a search (the form shows ten).
SEARCH_API_LIMIT = 50


class DivisionSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Division
        fields = ["code", "level", "name", "name_en", "parent"]


class DivisionFilter(django_filters.FilterSet):
    parent = django_filters.CharFilter(method="filter_parent", max_length=12)
    level = django_filters.ChoiceFilter(choices=DivisionLevel.choices)

    class Meta:
        model = Division
        fields = ["parent", "level"]

    def filter_parent(self, queryset, name, value):
        return queryset.filter(parent__code=value)


class DivisionViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [permissions.AllowAny]
    serializer_class = DivisionSerializer
    queryset = Division.objects.select_related("parent").order_by("code")
    lookup_field = "code"
    lookup_value_regex = "[0-9]{6,12}"
    filterset_class = DivisionFilter
    ordering_fields = ["code"]


class PlaceSerializer(serializers.ModelSerializer):
    division = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Place
        fields = ["id", "kind", "name", "name_en", "division", "latitude", "longitude"]


class PlaceFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", max_length=SEARCH_MAX_LENGTH)
    kind = django_filters.ChoiceFilter(choices=PlaceKind.choices)
    division = django_filters.CharFilter(field_name="division__code", max_length=12)

    class Meta:
        model = Place
        fields = ["search", "kind", "division"]

    def filter_search(self, queryset, name, value):
        # The form's search, bounded like it: a few letters that start a great many names
        # cost the same as any other search.
        found = places_search(value, limit=SEARCH_API_LIMIT)
        return queryset.filter(pk__in=[place.pk for place in found])


class PlaceViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [permissions.AllowAny]
    serializer_class = PlaceSerializer
    queryset = Place.objects.filter(retired=False).select_related("division").order_by("pk")
    filterset_class = PlaceFilter
    ordering_fields = ["name", "id"]

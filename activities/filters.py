import django_filters
from django.db.models import Q
from django.forms import HiddenInput
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from groups.models import GroupLevel, Organisation, OrganisationKind
from suggestions.models import ParticipationRole

from .models import Activity, ActivityKind, Programme


class ActivityFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=ActivityKind.choices, empty_label=_("Any kind")
    )
    role = django_filters.ChoiceFilter(
        label=_("Role"), choices=ParticipationRole.choices, empty_label=_("Any role")
    )
    level = django_filters.ChoiceFilter(
        label=_("Organised by"),
        field_name="group__level",
        choices=GroupLevel.choices,
        empty_label=pgettext_lazy("organising level", "Any group"),
    )
    programme = django_filters.ModelChoiceFilter(
        label=_("Programme"), queryset=Programme.objects.all(), empty_label=_("Any programme")
    )
    district = django_filters.ModelChoiceFilter(
        label=_("District"),
        queryset=Organisation.objects.filter(kind=OrganisationKind.DISTRICT),
        empty_label=_("Any district"),
        method="filter_district",
    )
    # Set by the links from a group's page ("its activities"), not shown in the form.
    group = django_filters.NumberFilter(
        field_name="group", widget=HiddenInput, min_value=1, max_value=2**31 - 1
    )
    year = django_filters.NumberFilter(
        label=_("Year"), field_name="starts_at", lookup_expr="year", min_value=2000, max_value=2100
    )

    class Meta:
        model = Activity
        fields = ["kind", "role", "level", "programme", "district", "year", "group"]

    def filter_district(self, queryset, name, value: Organisation):
        """Held at a practice base of the district, or organised by a group from there."""
        return queryset.filter(
            Q(practice_base__district=value)
            | Q(group__organisation=value)
            | Q(group__organisation__district=value)
        )

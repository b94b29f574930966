import django_filters
from django.utils.translation import gettext_lazy as _

from groups.models import FocusArea, Organisation, OrganisationKind

from . import workflow
from .models import StateChoices, Suggestion


class InboxFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(
        label=_("State"),
        choices=[(v, label) for v, label in StateChoices.choices if v in workflow.OWNED_STATES],
        empty_label=_("Any state"),
    )
    focus_area = django_filters.ModelChoiceFilter(
        label=_("Focus area"), queryset=FocusArea.objects.all(), empty_label=_("Any focus area")
    )
    overdue = django_filters.ChoiceFilter(
        label=_("Overdue"),
        choices=[("yes", _("Only overdue"))],
        empty_label=_("Overdue or not"),
        method="filter_overdue",
    )

    class Meta:
        model = Suggestion
        fields = ["state", "focus_area", "overdue"]

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(overdue_since__isnull=False) if value == "yes" else queryset


class ImplementedFilter(django_filters.FilterSet):
    focus_area = django_filters.ModelChoiceFilter(
        label=_("Focus area"), queryset=FocusArea.objects.all(), empty_label=_("Any focus area")
    )
    district = django_filters.ModelChoiceFilter(
        label=_("District"),
        field_name="child__school__district",
        queryset=Organisation.objects.filter(kind=OrganisationKind.DISTRICT),
        empty_label=_("Any district"),
    )

    class Meta:
        model = Suggestion
        fields = ["focus_area", "district"]

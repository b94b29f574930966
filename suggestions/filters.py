import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from groups.models import FocusArea
from places.models import Division, DivisionLevel

from . import workflow
from .models import StateChoices, Suggestion
from .selectors import placed_in


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
    # Where the problem was: the place the suggestion names (its child's school where it
    # names none). The streets offered are the chosen district's: pick a district, filter,
    # then pick a street.
    district = django_filters.ModelChoiceFilter(
        label=_("District"),
        queryset=Division.objects.filter(level=DivisionLevel.DISTRICT),
        empty_label=_("Any district"),
        method="filter_placed_in",
    )
    street = django_filters.ModelChoiceFilter(
        label=_("Street"),
        queryset=Division.objects.none(),
        empty_label=_("Any street"),
        method="filter_placed_in",
    )

    class Meta:
        model = Suggestion
        fields = ["focus_area", "district", "street"]

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        district = (data or {}).get("district", "")
        streets = self.filters["street"]
        # A division's id is its statistical code, twelve digits at most.
        if district.isascii() and district.isdigit() and len(district) <= 12:
            streets.queryset = Division.objects.filter(
                level=DivisionLevel.STREET, parent_id=int(district)
            )
        else:
            # No district chosen: no street to choose yet.
            streets.extra["widget"] = forms.HiddenInput()

    def filter_placed_in(self, queryset, name, value):
        return queryset.filter(placed_in(value)) if value else queryset

    def filter_queryset(self, queryset):
        # The street, when chosen, says more than its district: filter by it alone.
        if self.form.cleaned_data.get("street"):
            self.form.cleaned_data["district"] = None
        return super().filter_queryset(queryset)

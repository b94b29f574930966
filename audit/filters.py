import django_filters
from auditlog.models import LogEntry
from django import forms
from django.utils.translation import gettext_lazy as _

from .selectors import Kind


class TrailFilter(django_filters.FilterSet):
    """Applied to each source of the trail alike (see selectors.trail): each has the
    annotations `kind`, `who` and `at` these filters name."""

    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=Kind.choices, empty_label=_("Any kind")
    )
    actor = django_filters.CharFilter(
        label=_("Login contains"), field_name="who", lookup_expr="icontains", max_length=150
    )
    since = django_filters.DateFilter(
        label=_("From"),
        field_name="at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = django_filters.DateFilter(
        label=_("To"),
        field_name="at",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = LogEntry
        fields = ["kind", "actor", "since", "until"]

    def narrow(self, queryset):
        if not self.is_bound:
            return queryset
        self.errors  # noqa: B018  (validates the form; invalid fields are left out)
        return self.filter_queryset(queryset)

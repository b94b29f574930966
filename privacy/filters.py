import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from groups.models import Child

from .models import AccessPurpose, PersonalDataAccess


class AccessLogFilter(django_filters.FilterSet):
    username = django_filters.CharFilter(label=_("Login contains"), lookup_expr="icontains")
    child = django_filters.CharFilter(
        label=_("Child's pseudonym or number"), method="filter_child", max_length=40
    )
    purpose = django_filters.ChoiceFilter(
        label=_("Purpose"), choices=AccessPurpose.choices, empty_label=_("Any purpose")
    )
    granted = django_filters.BooleanFilter(
        label=_("Outcome"),
        widget=forms.Select(
            choices=[("", _("Any")), ("true", _("Granted")), ("false", _("Refused"))]
        ),
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
        model = PersonalDataAccess
        fields = ["username", "child", "purpose", "granted", "since", "until"]

    def filter_child(self, queryset, name, value):
        value = value.strip()
        ids = list(Child.objects.filter(pseudonym=value).values_list("pk", flat=True))
        if value.isdigit() and len(value) < 18:
            ids.append(int(value))
        return queryset.filter(child_id__in=ids)

"""The API's filters: django-filter's, refusing an id no database column can hold, and a
moment no database can compare.

`?sub_teams=656478537548018581766144` reached the database as is: SQLite cannot take the
number (OverflowError, a 500). Such an id names nothing, and is refused as any unknown one."""

import copy
from datetime import UTC

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_filters import fields, filters
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.rest_framework import FilterSet as BaseFilterSet

MAX_ID = 2**63 - 1


class _IdsInRange:
    def clean(self, value):
        for item in value if isinstance(value, list | tuple) else [value]:
            try:
                too_large = abs(int(item)) > MAX_ID
            except (TypeError, ValueError):
                too_large = False  # not a number: the field itself says so
            if too_large:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": item},
                )
        return super().clean(value)


class ModelChoiceField(_IdsInRange, fields.ModelChoiceField):
    pass


class ModelMultipleChoiceField(_IdsInRange, fields.ModelMultipleChoiceField):
    pass


class ModelChoiceFilter(filters.ModelChoiceFilter):
    field_class = ModelChoiceField


class ModelMultipleChoiceFilter(filters.ModelMultipleChoiceFilter):
    field_class = ModelMultipleChoiceField


class UtcIsoDateTimeField(fields.IsoDateTimeField):
    """An ISO 8601 moment, given to the database in UTC: PostgreSQL refuses offsets beyond
    ±15:59, and a moment at the calendar's edge (year 1 east of UTC, year 9999 west of it) has
    no UTC time: a 400, not a 500."""

    default_error_messages = {"unusable": _("This is not a usable date.")}

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(UTC)
        except (OverflowError, ValueError):
            raise ValidationError(self.error_messages["unusable"], code="unusable") from None


class UtcIsoDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class FilterSet(BaseFilterSet):
    FILTER_DEFAULTS = copy.deepcopy(BaseFilterSet.FILTER_DEFAULTS)
    for _field in (models.ForeignKey, models.OneToOneField, models.OneToOneRel):
        FILTER_DEFAULTS[_field]["filter_class"] = ModelChoiceFilter
    for _field in (models.ManyToManyField, models.ManyToManyRel, models.ManyToOneRel):
        FILTER_DEFAULTS[_field]["filter_class"] = ModelMultipleChoiceFilter
    del _field


class FilterBackend(DjangoFilterBackend):
    filterset_base = FilterSet

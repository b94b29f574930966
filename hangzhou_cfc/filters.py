"""The API's filters: django-filter's, refusing an id no database column can hold.

`?sub_teams=656478537548018581766144` reached the database as is: SQLite cannot take the
number (OverflowError, a 500). Such an id names nothing, and is refused as any unknown one."""

import copy

from django.core.exceptions import ValidationError
from django.db import models
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


class FilterSet(BaseFilterSet):
    FILTER_DEFAULTS = copy.deepcopy(BaseFilterSet.FILTER_DEFAULTS)
    for _field in (models.ForeignKey, models.OneToOneField, models.OneToOneRel):
        FILTER_DEFAULTS[_field]["filter_class"] = ModelChoiceFilter
    for _field in (models.ManyToManyField, models.ManyToManyRel, models.ManyToOneRel):
        FILTER_DEFAULTS[_field]["filter_class"] = ModelMultipleChoiceFilter
    del _field


class FilterBackend(DjangoFilterBackend):
    filterset_base = FilterSet

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .figures import FIRST_YEAR
from .models import ExportFormat


def year_choices():
    return [(year, year) for year in range(timezone.localdate().year + 1, FIRST_YEAR - 1, -1)]


class YearForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, choices=year_choices)


class ExportForm(forms.Form):
    """On the dashboard beside the year filter: its ids are its own (id_export_year), its
    field names stay those scripts post (year, format, language)."""

    # Any number: the service says which years can be reported on.
    year = forms.IntegerField(widget=forms.HiddenInput)
    format = forms.ChoiceField(
        label=_("Format"), choices=ExportFormat.choices, widget=forms.RadioSelect
    )
    language = forms.ChoiceField(
        label=_("Language"), choices=settings.LANGUAGES, widget=forms.RadioSelect
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_export_%s")
        super().__init__(*args, **kwargs)

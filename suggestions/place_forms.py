"""The form with which the owner of a suggestion corrects where it is (services.
suggestion_place_correct). Apart from forms.py, which holds the child's form."""

from django import forms
from django.utils.translation import gettext_lazy as _

from places.models import Division, Place

from .services import PLACE_CORRECTION_NEEDS_PLACE, PLACE_CORRECTION_NEEDS_REASON

NOT_ON_THE_LIST = _("This place is not on the list. Search again and choose one.")


def where_value(item) -> str:
    """A choice's value: "place-<id>" for a known place, "division-<id>" for a division."""
    return f"{'place' if isinstance(item, Place) else 'division'}-{item.pk}"


def where_label(item) -> str:
    if isinstance(item, Place):
        return f"{item} ({item.division.full_name})"
    return item.full_name


class PlaceCorrectionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    # What was searched for, so that the same choices are offered when the form comes back.
    q = forms.CharField(widget=forms.HiddenInput, required=False, max_length=40)
    # Any value is read (the choices offered came from a search on another request); clean
    # says when it names nothing.
    where = forms.CharField(
        label=_("Where it is"),
        widget=forms.RadioSelect,
        error_messages={"required": PLACE_CORRECTION_NEEDS_PLACE},
    )
    reason = forms.CharField(
        label=_("Why you correct it"),
        help_text=_("Staff read it; the child does not see it."),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        error_messages={"required": PLACE_CORRECTION_NEEDS_REASON},
    )

    def __init__(self, *args, places=(), divisions=(), **kwargs):
        super().__init__(*args, prefix="place", **kwargs)
        self.fields["where"].widget.choices = [
            (where_value(item), where_label(item)) for item in [*places, *divisions]
        ]

    def clean_where(self):
        kind, _dash, pk = self.cleaned_data["where"].partition("-")
        rows = {"place": Place.objects.select_related("division"), "division": Division.objects}
        found = None
        if kind in rows and pk.isascii() and pk.isdigit() and len(pk) < 16:
            found = rows[kind].filter(pk=int(pk)).first()
        if found is None:
            raise forms.ValidationError(NOT_ON_THE_LIST)
        return found

    def place_and_division(self) -> dict:
        where = self.cleaned_data["where"]
        if isinstance(where, Place):
            return {"known_place": where}
        return {"division": where}

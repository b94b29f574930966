from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import selectors
from .models import Outcome, Suggestion
from .photos import clean_photo
from .services import SENDING_NEEDS_MESSAGE
from .workflow import PROGRESS


class SuggestionForm(forms.ModelForm):
    """The child's form. Two buttons: keep it as a draft (only the title is needed), or send
    it (`sending`: everything but the photo is needed)."""

    def __init__(self, *args, sending: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.sending = sending
        for name in Suggestion.SENT_NEEDS:
            self.fields[name].required = False

    def clean(self):
        cleaned = super().clean()
        if self.sending:
            for name in Suggestion.SENT_NEEDS:
                if name not in self.errors and cleaned.get(name) in (None, ""):
                    self.add_error(name, SENDING_NEEDS_MESSAGE)
        return cleaned

    class Meta:
        model = Suggestion
        fields = ["title", "noticed", "proposal", "place", "focus_area", "role", "photo"]
        widgets = {
            "noticed": forms.Textarea(attrs={"rows": 4}),
            "proposal": forms.Textarea(attrs={"rows": 4}),
            "photo": forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        }
        help_texts = {
            "title": _("A few words: what is it about?"),
            "noticed": _("What did you see? Where, when, who is affected?"),
            "proposal": _("What should change? Your idea can be small or big."),
            "place": _("The name of the place, e.g. the school gate on Wensan Road."),
            "photo": _("Optional. A JPEG, PNG or WebP photo; where it was taken is removed."),
        }

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if photo and hasattr(photo, "content_type"):  # a new upload, not the stored file
            return clean_photo(photo)
        return photo


class VersionedForm(forms.Form):
    """Carries the version of the suggestion the user saw, to detect a stale form."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class NoteForm(VersionedForm):
    note = forms.CharField(
        label=_("Your words to the child"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class MergeForm(VersionedForm):
    merged_into = forms.ModelChoiceField(
        label=_("The suggestion that goes on"), queryset=Suggestion.objects.none()
    )
    note = forms.CharField(
        label=_("Your words to the child"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )

    def __init__(self, *args, candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        if candidates is not None:
            self.fields["merged_into"].queryset = candidates


def handover_note(label):
    """A note for the desk that takes the suggestion next: staff read it, the child does not
    (selectors.STAFF_NOTE_ACTIONS)."""
    return forms.CharField(
        label=label,
        help_text=_("Staff who take it next will read it; the child does not see it."),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )


class CollectForm(VersionedForm):
    note = handover_note(_("A note for the community"))


class DepartmentForm(VersionedForm):
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=selectors.departments(),
    )
    note = handover_note(_("A note for the department"))


class ForwardForm(DepartmentForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].required = False
        self.fields["department"].empty_label = _("Let the routing rules choose")


class AcceptForm(VersionedForm):
    planned_on = forms.DateField(
        label=_("Planned to finish by"), widget=forms.DateInput(attrs={"type": "date"})
    )
    # Shown to the child in the journey, unlike the notes for the next desk.
    note = forms.CharField(
        label=_("Your words to the child"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )

    def clean_planned_on(self):
        planned_on = self.cleaned_data["planned_on"]
        if planned_on < timezone.localdate():
            raise forms.ValidationError(_("The planned date cannot be in the past."))
        return planned_on


class ProgressForm(VersionedForm):
    percent = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100)
    note = forms.CharField(
        label=_("What has been done"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class OutcomeForm(VersionedForm, forms.ModelForm):
    class Meta:
        model = Outcome
        fields = ["description", "quantity", "unit", "completed_on"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "completed_on": forms.DateInput(attrs={"type": "date"}),
        }
        help_texts = {"unit": _("e.g. children's parking lots, metres of stroller lane")}


# The form each action asks for (actions not listed need only a confirmation).
ACTION_FORMS = {
    "collect": CollectForm,
    "return": NoteForm,
    "merge": MergeForm,
    "decline": NoteForm,
    "resolve_locally": OutcomeForm,
    "forward": ForwardForm,
    "accept": AcceptForm,
    "refer": DepartmentForm,
    "mark_implemented": OutcomeForm,
    PROGRESS.action: ProgressForm,
}


def form_for(action: str) -> type[forms.Form]:
    return ACTION_FORMS.get(action, VersionedForm)

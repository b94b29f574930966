from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groups.models import FocusArea

from . import selectors
from .models import Outcome, ParticipationRole, Suggestion
from .photos import NOT_A_PHOTO, clean_photo
from .services import SENDING_NEEDS_MESSAGE
from .workflow import PROGRESS

# What each focus area is about, in a child's words, with its icon ({% icon %}).
# Keyed by FocusArea.code: an area added later without a line here shows its name and a pin.
FOCUS_AREA_CARDS = {
    "living-environment": ("home", _("Homes, stairs, lifts and yards around your home.")),
    "cultural-venues": ("building-bank", _("Museums, libraries and other places to learn.")),
    "transport": ("bus", _("Roads, crossings, buses, the metro and the way to school.")),
    "parks": ("trees", _("Parks, trees, grass and places to play outside.")),
    "public-safety": ("shield-check", _("Things that could hurt someone, and how to be safe.")),
    "education": ("school", _("Your school: classrooms, playground, lunch and breaks.")),
    "public-facilities": (
        "building-community",
        _("Toilets, drinking water, benches and other things for everyone."),
    ),
}
FOCUS_AREA_ICON = "map-pin"

# The three roles of the programme, each in one sentence a child understands.
ROLE_CARDS = {
    ParticipationRole.SENTIMENT_OBSERVER.value: (
        "ear",
        _("You listen to what people around you need and tell the city."),
    ),
    ParticipationRole.WELFARE_SUPERVISOR.value: (
        "eye",
        _("You check that things made for everyone work well and are fair."),
    ),
    ParticipationRole.SAFETY_PROMOTER.value: (
        "speakerphone",
        _("You find what is not safe and help others stay safe."),
    ),
}

# Said next to the field when "Send it" finds it empty: what to do, in a child's words.
SENDING_NEEDS = {
    "noticed": _("Write what you noticed, then send it again."),
    "proposal": _("Write your idea, then send it again."),
    "place": _("Write where it is, then send it again."),
    "focus_area": _("Choose what it is about, then send it again."),
    "role": _("Choose your role, then send it again."),
}
TOO_LONG = _("That is too long: at most %(limit_value)d characters (you wrote %(show_value)d).")


# The form's numbered steps on the page: anchor, fields, title (the fieldset's legend).
STEPS = [
    ("noticed", ("noticed", "title"), _("What did you notice?")),
    ("proposal", ("proposal",), _("What is your idea?")),
    ("place", ("place",), _("Where is it?")),
    ("photo", ("photo",), _("A photo (you can skip this)")),
    ("area", ("focus_area",), _("What is it about?")),
    ("role", ("role",), _("Your role")),
]


# The review before sending: each row says what the child wrote or chose, and leads back to
# its step (anchors of STEPS).
REVIEW = [
    ("title", _("Title"), "noticed"),
    ("noticed", _("I noticed"), "noticed"),
    ("proposal", _("My idea"), "proposal"),
    ("place", _("Where"), "place"),
    ("photo", _("Photo"), "photo"),
    ("focus_area", _("What it is about"), "area"),
    ("role", _("Your role"), "role"),
]


class Step:
    def __init__(self, number, anchor, title, has_errors):
        self.number, self.anchor, self.title, self.has_errors = number, anchor, title, has_errors


class Card:
    """One radio button of the form with its icon and its one line."""

    def __init__(self, radio, icon, line):
        self.radio, self.icon, self.line = radio, icon, line


class SuggestionForm(forms.ModelForm):
    """The child's form. Two buttons: keep it as a draft (only the title is needed), or send
    it (`sending`: everything but the photo is needed)."""

    focus_area = forms.ModelChoiceField(
        label=_("Focus area"),
        queryset=FocusArea.objects.all(),
        required=False,
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose one of the areas below.")},
    )
    role = forms.ChoiceField(
        label=_("Your role"),
        choices=ParticipationRole.choices,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose one of the roles below.")},
    )

    def __init__(self, *args, sending: bool = False, **kwargs):
        # The labels stand alone over their fields: no ":" (nor Chinese "：") after them.
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.sending = sending
        for name in Suggestion.SENT_NEEDS:
            self.fields[name].required = False
        self.fields["title"].error_messages["required"] = _(
            "Give it a short name first: a few words are enough."
        )
        for name in ("title", "noticed", "proposal", "place"):
            self.fields[name].error_messages["max_length"] = TOO_LONG
        self.fields["photo"].error_messages["invalid_image"] = NOT_A_PHOTO
        # Known before cleaning: a refused new photo leaves the stored one as it was.
        self.stored_photo = bool(self.instance.pk and self.instance.photo)

    def clean(self):
        cleaned = super().clean()
        if self.sending:
            for name in Suggestion.SENT_NEEDS:
                if name not in self.errors and cleaned.get(name) in (None, ""):
                    self.add_error(name, SENDING_NEEDS.get(name, SENDING_NEEDS_MESSAGE))
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
            "title": _("A few words, like a headline. For example: “Too many cars at our gate”."),
            "noticed": _(
                "What did you see, and who has a problem with it? For example: “At home time "
                "many cars stop at the school gate, and we walk between them.”"
            ),
            "proposal": _(
                "What should change? Small or big ideas are both good. For example: “Paint a "
                "zebra crossing and make a place where parents can wait.”"
            ),
            "place": _("A name people know. For example: “the south gate of Wensan Road School”."),
            "photo": _("You can leave this out. A JPEG, PNG or WebP photo of at most %(limit)s."),
        }

    @property
    def steps(self) -> list[Step]:
        errors = self.errors if self.is_bound else {}
        return [
            Step(number, f"step-{anchor}", title, any(name in errors for name in names))
            for number, (anchor, names, title) in enumerate(STEPS, start=1)
        ]

    @property
    def review_rows(self) -> list[tuple[str, str, str]]:
        return [(name, label, f"step-{anchor}") for name, label, anchor in REVIEW]

    @property
    def photo_help(self):
        return self.fields["photo"].help_text % {
            "limit": filesizeformat(settings.SUGGESTIONS_PHOTO_MAX_BYTES)
        }

    @property
    def photo_lost(self) -> bool:
        """A photo came with a form that is shown again: a browser cannot fill it back in."""
        return self.is_bound and bool(self.errors) and bool(self.files.get("photo"))

    def focus_area_cards(self) -> list[Card]:
        cards = []
        for radio in self["focus_area"]:
            icon, line = FOCUS_AREA_CARDS.get(radio.data["value"].instance.code, (None, ""))
            cards.append(Card(radio, icon or FOCUS_AREA_ICON, line))
        return cards

    def role_cards(self) -> list[Card]:
        return [Card(radio, *ROLE_CARDS[radio.data["value"]]) for radio in self["role"]]

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if photo and hasattr(photo, "content_type"):  # a new upload, not the stored file
            return clean_photo(photo)
        if photo is False:  # "Remove this photo": the service stores an empty name
            return ""
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

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from groups.models import Child, Mentor, Organisation
from suggestions.models import ParticipationRole, Suggestion

from .models import ActivityKind, PracticeBase, Programme, TrainingMaterial


def parse_suggestion_numbers(text: str) -> list[Suggestion]:
    """The suggestions behind "12, 45": full-width digits and commas, as typed with a Chinese
    input method, are fine too."""
    if re.sub(r"[\d\s,，、#＃;；]", "", text):
        raise forms.ValidationError(_("Write only numbers, separated by commas."))
    numbers = [int(n) for n in re.findall(r"\d+", text)]
    # A number beyond any database id is simply not found (and never sent to the database).
    found = {s.pk: s for s in Suggestion.objects.filter(pk__in=[n for n in numbers if n < 2**31])}
    missing = [n for n in numbers if n not in found]
    if missing:
        raise forms.ValidationError(
            _("There is no suggestion %(numbers)s.")
            % {"numbers": ", ".join(f"#{n}" for n in missing)}
        )
    return [found[n] for n in dict.fromkeys(numbers)]


def suggestion_field():
    return forms.CharField(
        label=_("Suggestions that came out of it"),
        required=False,
        max_length=400,
        help_text=_("Their numbers, separated by commas, e.g. 12, 45."),
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


def _child_choices(children, label=None):
    return [(child.pk, label(child) if label else child.pseudonym) for child in children]


class TrainingSessionForm(forms.Form):
    held_on = forms.DateField(label=_("Held on"), widget=forms.DateInput(attrs={"type": "date"}))
    topic = forms.CharField(
        label=_("Topic"),
        max_length=120,
        help_text=_("e.g. advising skills, observation skills"),
    )
    hours = forms.DecimalField(label=_("Hours"), max_digits=4, decimal_places=1)
    sub_teams = forms.ModelMultipleChoiceField(
        label=_("Sub-teams"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose the sub-team.")},
    )
    mentors = forms.ModelMultipleChoiceField(
        label=_("Mentors who ran it"),
        queryset=Mentor.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    # One tick for the usual day when every child came, instead of one tick per name.
    all_present = forms.BooleanField(
        label=_("Everyone was there"),
        required=False,
        help_text=_("Tick this for all the children of the sub-teams above; no need to tick each."),
    )
    attendees = forms.ModelMultipleChoiceField(
        label=_("Who attended"),
        queryset=Child.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000, required=False
    )
    materials = MultipleFileField(
        label=_("Materials"),
        required=False,
        help_text=_(
            "Optional: PDF, Word, Excel, PowerPoint, OpenDocument or text files, "
            "at most 10 MB each. After an error, choose them again."
        ),
    )
    remove_materials = forms.ModelMultipleChoiceField(
        label=_("Remove these materials"),
        queryset=TrainingMaterial.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, sub_teams, members, session=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sub_teams"].queryset = sub_teams
        self.fields["mentors"].queryset = (
            Mentor.objects.filter(sub_teams__in=sub_teams).select_related("user").distinct()
        )
        # Only the children offered can be posted: another id gets "Select a valid choice"
        # and never the pseudonym behind it.
        self.fields["attendees"].queryset = Child.objects.filter(
            pk__in=[child.pk for child, _team in members]
        )
        self._team_of = {child.pk: team for child, team in members}
        left = _("no longer in the sub-team")
        self.fields["attendees"].choices = [
            (child.pk, f"{child.pseudonym} · {team or left}") for child, team in members
        ]
        if session is None:
            del self.fields["remove_materials"]
        else:
            self.fields["remove_materials"].queryset = session.materials.all()
            if not self.fields["remove_materials"].queryset.exists():
                del self.fields["remove_materials"]

    def clean(self):
        cleaned = super().clean()
        # "Everyone was there" adds every current member of the chosen sub-teams to those
        # ticked by name; it is not something the services know about.
        if cleaned.pop("all_present", False) and "sub_teams" in cleaned:
            chosen = set(cleaned["sub_teams"])
            everyone = [pk for pk, team in self._team_of.items() if team in chosen]
            ticked = [child.pk for child in cleaned.get("attendees", [])]
            cleaned["attendees"] = self.fields["attendees"].queryset.filter(
                pk__in=everyone + ticked
            )
        return cleaned


class ActivityForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=ActivityKind.choices)
    role = forms.ChoiceField(
        label=_("Role"),
        choices=ParticipationRole.choices,
        help_text=_("The role the children took: one of the three."),
    )
    starts_at = forms.DateTimeField(
        label=_("Starts"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    ends_at = forms.DateTimeField(
        label=_("Ends"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    practice_base = forms.ModelChoiceField(
        label=_("Practice base"),
        queryset=PracticeBase.objects.select_related("district"),
        required=False,
        empty_label=_("— none —"),
    )
    place = forms.CharField(
        label=_("Place"),
        max_length=200,
        required=False,
        help_text=_("Where, if not at a practice base (or where at the base)."),
    )
    sub_teams = forms.ModelMultipleChoiceField(
        label=_("Sub-teams taking part"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("None ticked: the whole group."),
    )
    partners = forms.ModelMultipleChoiceField(
        label=_("Partners"),
        queryset=Organisation.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    children_count = forms.IntegerField(label=_("Children taking part"), min_value=0)
    adults_count = forms.IntegerField(label=_("Adults taking part"), min_value=0, initial=0)
    attendees = forms.ModelMultipleChoiceField(
        label=_("Registered children who came"),
        queryset=Child.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    programme = forms.ModelChoiceField(
        label=_("Programme or brand"),
        queryset=Programme.objects.all(),
        required=False,
        empty_label=_("— none —"),
    )
    suggestion_numbers = suggestion_field()
    report = forms.CharField(
        label=_("Short report"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=4000,
        required=False,
    )

    def __init__(self, *args, group, sub_teams, partners, members, **kwargs):
        super().__init__(*args, **kwargs)
        if sub_teams.exists():
            self.fields["sub_teams"].queryset = sub_teams
        else:
            del self.fields["sub_teams"]
        self.fields["partners"].queryset = partners
        self.fields["partners"].choices = [(org.pk, str(org)) for org in partners]
        self.fields["attendees"].queryset = Child.objects.filter(pk__in=[c.pk for c in members])
        self.fields["attendees"].choices = _child_choices(members)
        self.group = group

    def clean_suggestion_numbers(self):
        return parse_suggestion_numbers(self.cleaned_data["suggestion_numbers"])

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        data["suggestions"] = data.pop("suggestion_numbers")
        data.setdefault("sub_teams", [])
        return data


class ActivityPhotoForm(forms.Form):
    image = forms.FileField(label=_("Photo"), help_text=_("JPEG, PNG or WebP."))
    caption = forms.CharField(label=_("Caption"), max_length=200, required=False)
    children_shown = forms.ModelMultipleChoiceField(
        label=_("Registered children who can be recognised in it"),
        queryset=Child.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Only children whose guardian agreed to photos may be shown."),
    )
    nobody_else = forms.BooleanField(
        label=_("No other child can be recognised in this photo."),
        error_messages={
            "required": _("Confirm that no other child can be recognised, or leave this photo out.")
        },
    )

    def __init__(self, *args, attendees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["children_shown"].queryset = Child.objects.filter(
            pk__in=[c.pk for c in attendees]
        )
        self.fields["children_shown"].choices = _child_choices(attendees)
        if not attendees:
            del self.fields["children_shown"]


class DiscussionTopicForm(forms.Form):
    name = forms.CharField(label=_("Topic"), max_length=120)
    name_en = forms.CharField(
        label=_("Topic in English (optional)"), max_length=120, required=False
    )
    partner = forms.ModelChoiceField(
        label=_("Partner university or business"), queryset=Organisation.objects.all()
    )
    raised_on = forms.DateField(
        label=_("Raised on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    summary = forms.CharField(
        label=_("Summary"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        required=False,
    )
    suggestion_numbers = suggestion_field()

    def __init__(self, *args, partners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].choices = [("", "—"), *((org.pk, str(org)) for org in partners)]

    def clean_suggestion_numbers(self):
        return parse_suggestion_numbers(self.cleaned_data["suggestion_numbers"])

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        data["suggestions"] = data.pop("suggestion_numbers")
        return data

from django import forms
from django.conf import settings
from django.forms.utils import ErrorDict
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from groups.models import Child, FocusArea
from places.models import LATITUDE_RANGE, LONGITUDE_RANGE, Division, DivisionLevel, Place, PlaceKind
from places.selectors import SEARCH_MAX_LENGTH, divisions_under, places_near, places_search

from . import selectors
from .models import Outcome, ParticipationRole, Suggestion
from .photos import NOT_A_PHOTO, TOO_BIG, clean_photo, photo_limit
from .search import MAX_QUERY, query_words
from .services import RETIRED_PLACE_MESSAGE, SENDING_NEEDS_MESSAGE
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
    "place": _("Write where it is or choose a place above, then send it again."),
    "focus_area": _("Choose what it is about, then send it again."),
    "role": _("Choose your role, then send it again."),
}
TOO_LONG = _("That is too long: at most %(limit_value)d characters (you wrote %(show_value)d).")


# The form's numbered steps on the page: anchor, fields, title (the fieldset's legend).
STEPS = [
    ("noticed", ("noticed", "title"), _("What did you notice?")),
    ("proposal", ("proposal",), _("What is your idea?")),
    (
        "place",
        (
            "known_place",
            "place_search",
            "district",
            "street",
            "community",
            "place",
            "latitude",
            "longitude",
        ),
        _("Where is it?"),
    ),
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
# What the child writes in their own words (the rest is chosen).
TYPED_FIELDS = ("title", "noticed", "proposal", "place")


# The "where" step: a known place from a list (near the child's school, or found by a few
# letters), or a division chosen district → street → community, and the child's own words.
# Without JavaScript a "find" button sends the form to be shown again with the list or the
# next select (FIND_BUTTON); with it, static/js/place-picker.js asks places/views.py instead.
FIND_BUTTON = "find_place"
PIN_OUTSIDE = _("The pin is outside Hangzhou. Put it on the place in the city.")
PIN_HALF = _("The pin was not put down properly. Tap the map again.")
PLACE_ICONS = {
    PlaceKind.SCHOOL: "school",
    PlaceKind.COMMUNITY: "building-community",
    PlaceKind.PARK: "trees",
    PlaceKind.PRACTICE_BASE: "bulb",
    PlaceKind.METRO_STATION: "bus",
}
PLACE_ICON = "map-pin"
# Enough to find the school gate or the park next to it, few enough to see the search below.
NEAR_LIMIT = 6
NO_SUCH_PLACE = _("We could not find this place. Choose one from the list again.")
CHOOSE_FROM_LIST = {
    DivisionLevel.DISTRICT: _("Choose a district from the list."),
    DivisionLevel.STREET: _("Choose a street from the list."),
    DivisionLevel.COMMUNITY: _("Choose a community from the list."),
}
STREET_NOT_IN_DISTRICT = _(
    "This street is not in the district you chose. Choose the street again, or tap "
    "“Show its streets”."
)
COMMUNITY_NOT_IN_STREET = _(
    "This community is not in the street you chose. Choose the community again, or tap "
    "“Show its communities”."
)
PLACE_NOT_IN_DIVISION = _(
    "The place you picked is not in the district or street you chose below. Change one of "
    "them, or pick “None of these”."
)


def _place_words(chosen) -> str:
    """The words a chosen place gives when the child wrote none: its name, or the division's
    full name (西湖区 · 西湖街道)."""
    return str(chosen) if isinstance(chosen, Place) else chosen.full_name


def _division_field(level, label):
    return forms.ModelChoiceField(
        label=label,
        queryset=Division.objects.filter(level=level).select_related("parent__parent"),
        required=False,
        error_messages={"invalid_choice": CHOOSE_FROM_LIST[level]},
    )


class PlaceChoice:
    """One known place offered as a radio button; only its first appearance is checked."""

    def __init__(self, place, checked, group):
        self.place, self.checked, self.group = place, checked, group
        self.icon = PLACE_ICONS.get(place.kind, PLACE_ICON)
        self.id = f"place-{group}-{place.pk}"


class Where:
    """What the "where" step shows: the lists of known places and the cascade's selects."""

    def __init__(self, *, chosen, near, query, found, district, street, community):
        self.chosen, self.query = chosen, query
        self.district, self.street, self.community = district, street, community
        shown = set()

        def choices(places, group):
            listed = []
            for place in places:
                checked = chosen is not None and place.pk == chosen.pk and place.pk not in shown
                shown.add(place.pk)
                listed.append(PlaceChoice(place, checked, group))
            return listed

        self.near = choices(near, "near")
        self.found = choices(found, "found")
        # A place chosen earlier that neither list has now stays on the page, chosen.
        self.kept = choices([chosen], "kept") if chosen and chosen.pk not in shown else []
        self.districts = divisions_under(None)
        self.streets = divisions_under(district) if district else []
        self.communities = divisions_under(street) if street else []

    @property
    def offers_places(self) -> bool:
        return bool(self.near or self.found or self.kept)

    @property
    def chosen_name(self) -> str:
        """What the review step says: 太子湾公园 · 西湖区 · 西湖街道."""
        if self.chosen is not None:
            return self.chosen.full_name
        division = self.community or self.street or self.district
        return division.full_name if division else ""


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
    # Retired places too: one a draft named before stays valid (clean_known_place).
    known_place = forms.ModelChoiceField(
        label=_("A place from the list"),
        queryset=Place.objects.select_related("division__parent__parent"),
        required=False,
        error_messages={"invalid_choice": NO_SUCH_PLACE},
    )
    # Not saved: what the child typed to find a known place.
    place_search = forms.CharField(
        label=_("Find it"),
        required=False,
        strip=True,
        widget=forms.TextInput(
            attrs={"type": "search", "maxlength": SEARCH_MAX_LENGTH, "autocomplete": "off"}
        ),
    )
    district = _division_field(DivisionLevel.DISTRICT, _("District"))
    street = _division_field(DivisionLevel.STREET, _("Street"))
    community = _division_field(DivisionLevel.COMMUNITY, _("Community"))

    def __init__(
        self, *args, sending: bool = False, finding: bool = False, school_id=None, **kwargs
    ):
        # The labels stand alone over their fields: no ":" (nor Chinese "：") after them.
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.sending = sending
        # Shown again to find a place or the next select: no errors, nothing saved.
        self.finding = finding
        self.school_id = school_id
        self.stored_place_id = self.instance.known_place_id
        self.place_picked = None
        self.fields["place"].label = _("Tell us exactly where")
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

    def full_clean(self):
        super().full_clean()
        if self.finding:
            self._errors = ErrorDict()

    def clean_known_place(self):
        place = self.cleaned_data.get("known_place")
        if place is not None and place.retired and place.pk != self.stored_place_id:
            raise forms.ValidationError(RETIRED_PLACE_MESSAGE)
        return place

    def _clean_where(self, cleaned):
        """The cascade in order (a street in its district, a community in its street), the
        most specific division chosen, and words from the place chosen when none were written."""
        district, street, community = (cleaned.get(n) for n in ("district", "street", "community"))
        if street is not None and (district is None or street.parent_id != district.pk):
            self.add_error("street", STREET_NOT_IN_DISTRICT)
            street = community = None
        if community is not None and (street is None or community.parent_id != street.pk):
            self.add_error("community", COMMUNITY_NOT_IN_STREET)
            community = None
        division = community or street or district
        place = cleaned.get("known_place")
        # Shown chosen again even when refused below: the child changes one of the two.
        self.place_picked = place
        # One may lie in the other (a park in the street of the community chosen), but not apart.
        if (
            division is not None
            and place is not None
            and division.pk not in {d.pk for d in place.division.lineage()}
            and place.division_id not in {d.pk for d in division.lineage()}
        ):
            self.add_error("known_place", PLACE_NOT_IN_DIVISION)
        cleaned["division"] = place.division if place is not None else division
        if "place" in self.errors:
            return
        chosen = place or division
        if not cleaned.get("place") or cleaned["place"] in self._words_filled_before():
            words = _place_words(chosen) if chosen is not None else ""
            cleaned["place"] = words[: Suggestion._meta.get_field("place").max_length]

    def _words_filled_before(self) -> set[str]:
        """The words this form wrote for the place chosen before, in either language: they
        follow a new choice, unlike words the child wrote."""
        stored = self.initial_where
        chosen = stored["known_place"] or stored["community"] or stored["street"]
        chosen = chosen or stored["district"]
        if chosen is None:
            return set()
        words = set()
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                words.add(_place_words(chosen))
        return words

    @cached_property
    def initial_where(self) -> dict:
        """The draft's place and division as stored, their parents loaded (one query each)."""
        found = {"known_place": None, "district": None, "street": None, "community": None}
        if self.instance.known_place_id:
            found["known_place"] = self.fields["known_place"].queryset.get(
                pk=self.instance.known_place_id
            )
        elif self.instance.division_id:
            division = Division.objects.select_related("parent__parent").get(
                pk=self.instance.division_id
            )
            for each in division.lineage():
                found[each.level] = each
        return found

    # The pin's hidden inputs: their errors are the child's to fix on the map, not a sign that
    # the page is out of date (as a hidden field's error is otherwise).
    pin_fields = ("latitude", "longitude")

    @property
    def pin_inputs(self):
        return [self[name] for name in self.pin_fields]

    def _get_validation_exclusions(self):
        # _clean_pin checks the pin as the model's validators and constraint would, in a
        # child's words, and without the query a constraint's check costs.
        return super()._get_validation_exclusions() | set(self.pin_fields)

    def _clean_pin(self, cleaned):
        """A pin from the optional map: both coordinates, inside the city, or none."""
        latitude, longitude = cleaned.get("latitude"), cleaned.get("longitude")
        if (latitude is None) != (longitude is None):
            self.add_error("latitude", PIN_HALF)
            return
        if latitude is None:
            return
        if not (
            LATITUDE_RANGE[0] <= latitude <= LATITUDE_RANGE[1]
            and LONGITUDE_RANGE[0] <= longitude <= LONGITUDE_RANGE[1]
        ):
            self.add_error("latitude", PIN_OUTSIDE)

    def clean(self):
        cleaned = super().clean()
        self._clean_where(cleaned)
        self._clean_pin(cleaned)
        if self.sending:
            for name in Suggestion.SENT_NEEDS:
                if name not in self.errors and cleaned.get(name) in (None, ""):
                    self.add_error(name, SENDING_NEEDS.get(name, SENDING_NEEDS_MESSAGE))
        return cleaned

    class Meta:
        model = Suggestion
        fields = [
            "title",
            "noticed",
            "proposal",
            "known_place",
            "place",
            "latitude",
            "longitude",
            "focus_area",
            "role",
            "photo",
        ]
        widgets = {
            # Set by the optional map's pin (static/js/map.js), never typed.
            "latitude": forms.HiddenInput,
            "longitude": forms.HiddenInput,
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
            "place": _(
                "Which gate, corner or floor? For example: “the south gate of Wensan Road School”."
            ),
            "photo": _("You can skip this. If you add one, choose a photo of %(limit)s or less."),
        }

    def suggestion_fields(self) -> dict:
        """What the services save: the model's fields, the division the cascade chose."""
        return {
            **{name: self.cleaned_data.get(name) for name in self._meta.fields},
            "division": self.cleaned_data.get("division"),
        }

    @cached_property
    def where(self) -> Where:
        if self.is_bound:
            self.errors  # noqa: B018 (cleans the form: what is chosen is what is valid)
            data = self.cleaned_data
            chosen = data.get("known_place") or self.place_picked
            district, street, community = (data.get(n) for n in ("district", "street", "community"))
            query = data.get("place_search") or ""
        else:
            stored = self.initial_where
            chosen = stored["known_place"]
            district, street, community = stored["district"], stored["street"], stored["community"]
            query = ""
        # Each select follows the one before it: a street of another district is not chosen.
        if street is not None and (district is None or street.parent_id != district.pk):
            street = None
        if community is not None and (street is None or community.parent_id != street.pk):
            community = None
        return Where(
            chosen=chosen,
            near=places_near(self._school_street(), limit=NEAR_LIMIT),
            query=query,
            found=places_search(query) if query else [],
            district=district,
            street=street,
            community=community,
        )

    def _school_street(self) -> Division | None:
        """The street of the child's school, as a known place: "near my school"."""
        if self.school_id is None:
            return None
        school = (
            Place.objects.filter(organisation_id=self.school_id, retired=False)
            .select_related("division__parent")
            .first()
        )
        if school is None:
            return None
        division = school.division
        return division.parent if division.level == DivisionLevel.COMMUNITY else division

    place_icons = [(kind.value, PLACE_ICONS.get(kind, PLACE_ICON)) for kind in PlaceKind]

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
        return self.fields["photo"].help_text % {"limit": photo_limit()}

    @property
    def wrote_something(self) -> bool:
        """The child typed into one of the form's text fields (said after an error)."""
        return any(str(self.data.get(name, "")).strip() for name in TYPED_FIELDS)

    @property
    def photo_max_bytes(self) -> int:
        return settings.SUGGESTIONS_PHOTO_MAX_BYTES

    @property
    def photo_too_big(self):
        """What the form's script says at once when the chosen photo is over the limit."""
        return TOO_BIG % {"limit": photo_limit()}

    @property
    def photo_lost(self) -> bool:
        """A photo came with a form that is shown again: a browser cannot fill it back in."""
        shown_again = self.finding or bool(self.errors)
        return self.is_bound and shown_again and bool(self.files.get("photo"))

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


# --- Finding suggestions (suggestions/search.py) ----------------------------------------------

# The child's form without JavaScript: this button sends it to be shown again with the similar
# suggestions (nothing is saved); with it, static/js/similar.js asks views.suggestion_similar.
SIMILAR_BUTTON = "find_similar"


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Words to look for"),
        max_length=MAX_QUERY,
        error_messages={
            "required": _("Type a word or two to look for, like 路灯 or 斑马线."),
            "max_length": _(
                "That is too long to look for. A few words are enough "
                "(at most %(limit_value)d characters; this has %(show_value)d)."
            ),
        },
    )

    def clean_q(self):
        text = self.cleaned_data["q"].strip()
        if not query_words(text):
            raise forms.ValidationError(
                _("There are no words to look for in that. Try words like 路灯 or 斑马线.")
            )
        return text


class VoiceForm(forms.Form):
    """ "Me too": a button, and a line of the child's own if they like."""

    line = forms.CharField(
        label=_("I want to add…"),
        max_length=140,
        required=False,
        help_text=_("You can leave this empty. Please do not write your name."),
        error_messages={"max_length": _("What you add can be at most %(limit_value)d characters.")},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")  # its label ends in "…" already
        super().__init__(*args, **kwargs)


# --- Recorded on behalf of children ---------------------------------------------------------


class RecordingForm(forms.Form):
    """The head of the recording page: where the suggestions came from, and the topic."""

    source = forms.CharField(
        label=_("Where they came from"),
        max_length=200,
        help_text=_("For example: written on paper at the activity of 12 May."),
    )
    topic = forms.ModelChoiceField(
        label=_("Discussion topic"), queryset=None, required=False, empty_label=_("None")
    )

    def __init__(self, *args, topics=None, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = topics
        self.fields["source"].error_messages["max_length"] = TOO_LONG


class RecordedSuggestionForm(forms.Form):
    """One suggestion the children made, as the adult enters it: all of it is needed, since it
    is sent on its way at once."""

    title = forms.CharField(label=_("Title"), max_length=80)
    # Three lines each: a page of several suggestions stays short enough to scroll on a phone.
    noticed = forms.CharField(
        label=_("What we noticed"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    proposal = forms.CharField(
        label=_("What we suggest"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    place = forms.CharField(label=_("Where"), max_length=120)
    focus_area = forms.ModelChoiceField(label=_("Focus area"), queryset=FocusArea.objects.all())
    role = forms.ChoiceField(label=_("Role"), choices=ParticipationRole.choices)
    # Before the list of the group's children, which may be long: one tick when all made it.
    whole_group = forms.BooleanField(label=_("The whole group made it"), required=False)
    children = forms.ModelMultipleChoiceField(
        label=_("Which children made it"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    scan = forms.FileField(
        label=_("Scan or photo of the paper"),
        required=False,
        help_text=_("A photo or a PDF."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,.pdf"}),
    )

    def __init__(self, *args, children=(), role="", **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        # The activity's role, as a field's initial: a row left as it was stays empty.
        self.fields["role"].initial = role
        # The group's children, listed once for every row (no query per row).
        field = self.fields["children"]
        field.queryset = Child.objects.filter(pk__in=[child.pk for child in children])
        field.choices = [(child.pk, child.pseudonym) for child in children]
        for name in ("title", "noticed", "proposal", "place"):
            self.fields[name].error_messages["max_length"] = TOO_LONG

    def clean(self):
        data = super().clean()
        if not data.get("children") and not data.get("whole_group"):
            self.add_error("children", _("Name at least one child, or the whole group."))
        return data

    def service_row(self) -> dict:
        data = self.cleaned_data
        row = {name: data[name] for name in ("title", "noticed", "proposal", "place")}
        row.update(
            focus_area=data["focus_area"],
            role=data["role"],
            # In the order they are listed: the first named is the first author.
            children=list(data["children"]),
            whole_group=data["whole_group"],
            scan=data.get("scan") or None,
        )
        return row


RecordedSuggestionFormSet = forms.formset_factory(
    RecordedSuggestionForm, extra=2, min_num=1, validate_min=True, max_num=20, validate_max=True
)

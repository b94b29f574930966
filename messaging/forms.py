"""The messages page's form: what a person may choose, built from their role's choices
(preferences.CHOICES) and the channels this portal serves (transports.channels_available)."""

import re

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from groups.models import Role

from .models import Channel, Topic
from .preferences import CHILD_DEFAULT, CHOICES, chosen, inbox_always
from .transports import channels_available
from .transports.sms import phone_normalise

# A guardian's answer for each child, by the channels it stands for (preferences.CHILD_CHOICES).
CHILD_ANSWERS = {
    "none": (),
    "inbox": (Channel.INBOX,),
    "email": (Channel.INBOX, Channel.EMAIL),
}
_CHILD_FIELD = re.compile(r"^child_(\d+)$")


def child_answer(channels) -> str:
    return next(
        (answer for answer, wanted in CHILD_ANSWERS.items() if list(wanted) == list(channels)),
        "inbox",
    )


def topic_label(topic: str, role: str) -> str:
    """A topic in the reader's words: the digest says how often it comes."""
    if topic != Topic.DIGEST:
        return Topic(topic).label
    if role == Role.GUARDIAN:
        return _("Once a week: what happened to my children's suggestions")
    return _("Once a day: what arrived and what is overdue")


class PreferencesForm(forms.Form):
    """One field for the language, one per topic the role may choose (its channels served
    here), the mobile number where a text message may be chosen, and for a guardian one per
    child. The initial values are what the person gets today: their choice, or their role's
    defaults."""

    language = forms.ChoiceField(label=_("Messages are written in"), choices=settings.LANGUAGES)

    def __init__(self, *args, user, preferences, children=(), **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.user, self.preferences = user, preferences
        self.fields["language"].initial = (
            preferences.language if preferences else settings.LANGUAGE_CODE
        )
        served = set(channels_available())
        self.topics = []
        for topic, channels in CHOICES[user.role].items():
            offered = [channel for channel in channels if channel in served]
            if not offered:
                continue
            name = f"topic_{topic}"
            self.fields[name] = forms.MultipleChoiceField(
                label=topic_label(topic, user.role),
                choices=[(channel, Channel(channel).label) for channel in offered],
                widget=forms.CheckboxSelectMultiple,
                required=False,
                initial=[c for c in chosen(user, preferences, topic) if c in offered],
            )
            self.topics.append((topic, name, offered))
        self.sms = any(Channel.SMS in offered for _, _, offered in self.topics)
        if self.sms:
            self.fields["phone"] = forms.CharField(
                label=_("Mobile number for text messages"),
                max_length=30,
                required=False,
                initial=preferences.phone if preferences else "",
                widget=forms.TextInput(
                    attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}
                ),
                help_text=_("A mainland China mobile number. We use it for nothing else."),
            )
        self.children = list(children)
        for child in self.children:
            answers = [
                ("none", _("No messages")),
                ("inbox", _("Yes, in the portal")),
            ]
            email = Channel.EMAIL in served and child.user is not None and child.user.email
            if email:
                answers.append(("email", _("Yes, in the portal and by e-mail")))
            reach = getattr(child, "reach", None)  # no row: the default
            current = child_answer(reach.channels if reach else CHILD_DEFAULT)
            self.fields[f"child_{child.pk}"] = forms.ChoiceField(
                label=_("Does %(child)s get messages too?") % {"child": child.pseudonym},
                choices=answers,
                widget=forms.RadioSelect,
                initial=current if current != "email" or email else "inbox",
                # Not sent: left as it is.
                required=False,
                # The answer the page showed goes back with it: only an answer this guardian
                # changed is written, so that a page left open does not undo what the child's
                # other guardian chose meanwhile.
                show_hidden_initial=True,
            )

    def topic_fields(self):
        """(topic's field, whether the portal always carries it) in the page's order."""
        return [(self[name], inbox_always(topic)) for topic, name, _ in self.topics]

    def child_fields(self):
        return [self[f"child_{child.pk}"] for child in self.children]

    def children_posted(self) -> set[int]:
        """The ids of every child the sent form names, one of theirs or not."""
        return {int(match[1]) for key in self.data if (match := _CHILD_FIELD.match(key))}

    def clean_phone(self):
        text = self.cleaned_data.get("phone", "").strip()
        return phone_normalise(text) if text else ""

    def clean(self):
        cleaned = super().clean()
        wants_sms = any(Channel.SMS in cleaned.get(name, []) for _, name, offered in self.topics)
        if wants_sms and "phone" not in self.errors and not cleaned.get("phone"):
            self.add_error("phone", _("Add your mobile number to get text messages."))
        return cleaned

    def channels(self) -> dict[str, list[str]]:
        """{topic: channels} to save: what was ticked, and the channels this portal does not
        serve now kept as they were (the page did not show them)."""
        result = {}
        for topic, name, offered in self.topics:
            kept = set(chosen(self.user, self.preferences, topic)) - set(offered)
            ticked = set(self.cleaned_data[name])
            result[topic] = [c for c in CHOICES[self.user.role][topic] if c in kept | ticked]
        return result

    def phone(self) -> str | None:
        return self.cleaned_data["phone"] if self.sms else None

    def children_channels(self) -> dict[int, list[str]]:
        changed = set(self.changed_data)
        answers = {
            child.pk: self.cleaned_data[f"child_{child.pk}"]
            for child in self.children
            if f"child_{child.pk}" in changed
        }
        return {pk: list(CHILD_ANSWERS[answer]) for pk, answer in answers.items() if answer}

from datetime import datetime, time

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groups.models import ChildPersonalData

from .models import AccessPurpose, Audience, PrivacyNotice

# The purposes an admin can state; the guardians' own ones are written by their pages.
STAFF_PURPOSES = [
    (value, label)
    for value, label in AccessPurpose.choices
    if value not in (AccessPurpose.GUARDIAN_DOWNLOAD, AccessPurpose.GUARDIAN_DELETION)
]


class PurposeForm(forms.Form):
    """Why an admin opens a child's personal record. Asked every time; written to the log."""

    purpose = forms.ChoiceField(label=_("Why do you need this record?"), choices=STAFF_PURPOSES)
    detail = forms.CharField(
        label=_("Details"),
        max_length=200,
        required=False,
        help_text=_(
            "Which activity, concern or request, without naming anyone: the office's admins "
            "review the log."
        ),
    )

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("purpose") in (AccessPurpose.SAFETY, AccessPurpose.LEGAL)
            and not (cleaned.get("detail") or "").strip()
        ):
            self.add_error("detail", _("Say which concern or request this is."))
        return cleaned


class PersonalDataForm(forms.ModelForm):
    class Meta:
        model = ChildPersonalData
        fields = ["real_name", "contact_phone", "address"]


class GuardianConsentForm(forms.Form):
    """A guardian agrees to the notice shown (by the e-mailed link or from their account)."""

    notice_version = forms.CharField(widget=forms.HiddenInput)
    has_read = forms.BooleanField(
        label=_("I have read the notice above."),
        error_messages={"required": _("Tick this box once you have read the notice.")},
    )
    is_guardian = forms.BooleanField(
        label=_("I am this child's parent or legal guardian."),
        error_messages={"required": _("Only the child's guardian can give consent.")},
    )
    agrees = forms.BooleanField(
        label=_("I agree that the portal processes my child's data as the notice describes."),
        error_messages={"required": _("Tick this box to give your consent.")},
    )


class PaperConsentForm(forms.Form):
    """The programme office records a consent a guardian signed on paper."""

    guardian = forms.ModelChoiceField(label=_("Guardian who signed"), queryset=None)
    notice = forms.ModelChoiceField(
        label=_("Version of the notice signed"),
        queryset=PrivacyNotice.objects.filter(audience=Audience.GUARDIANS),
    )
    signed_on = forms.DateField(
        label=_("Signed on"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, child, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["guardian"].queryset = child.guardians.select_related("user")
        self.fields["guardian"].label_from_instance = lambda guardian: str(guardian.user)

    def clean_signed_on(self):
        day = self.cleaned_data["signed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("Consent cannot be given in the future."))
        return day

    def given_at(self):
        # Noon of the day signed (the form has no time), or now if that is still to come.
        day = self.cleaned_data["signed_on"]
        moment = timezone.make_aware(datetime.combine(day, time(12)))
        return min(moment, timezone.now())


class ConsentRequestForm(forms.Form):
    guardian = forms.ModelChoiceField(label=_("Send the link to"), queryset=None)

    def __init__(self, *args, child, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["guardian"].queryset = child.guardians.select_related("user")
        self.fields["guardian"].label_from_instance = lambda guardian: (
            f"{guardian.user} · {guardian.user.email or _('no e-mail')}"
        )


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Yes, I understand this cannot be undone."),
        error_messages={"required": _("Tick this box to confirm.")},
    )


class PhotoConsentForm(forms.Form):
    """A guardian's yes or no to photos of their child in activities' reports."""

    photos = forms.TypedChoiceField(
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
        error_messages={
            "required": _("Choose yes or no."),
            "invalid_choice": _("Choose yes or no."),
        },
    )

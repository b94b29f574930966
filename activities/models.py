import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from groups.models import (
    BilingualName,
    Child,
    Guardian,
    Mentor,
    ObservationGroup,
    Organisation,
    OrganisationKind,
    SubTeam,
)
from suggestions.models import ParticipationRole


def new_feed_token():
    return secrets.token_urlsafe(32)


class TrainingSession(models.Model):
    """A training session of the municipal group, logged by a mentor who ran it."""

    held_on = models.DateField(_("held on"))
    topic = models.CharField(_("topic"), max_length=120)
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1)
    sub_teams = models.ManyToManyField(
        SubTeam, verbose_name=_("sub-teams"), related_name="training_sessions"
    )
    mentors = models.ManyToManyField(
        Mentor, verbose_name=_("mentors"), related_name="training_sessions"
    )
    notes = models.TextField(_("notes"), max_length=4000, blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logged by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    logged_at = models.DateTimeField(_("logged at"), auto_now_add=True)

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["-held_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=24),
                name="training_hours_between_0_and_24",
                violation_error_message=_("A session lasts more than 0 and at most 24 hours."),
            ),
        ]

    def __str__(self):
        return f"{self.held_on} · {self.topic}"


class Attendance(models.Model):
    session = models.ForeignKey(
        TrainingSession,
        verbose_name=_("training session"),
        on_delete=models.CASCADE,
        related_name="attendances",
    )
    child = models.ForeignKey(
        Child, verbose_name=_("child"), on_delete=models.CASCADE, related_name="attendances"
    )

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "child"],
                name="one_attendance_per_child_and_session",
                violation_error_message=_("This child is already marked present."),
            ),
        ]

    def __str__(self):
        return f"{self.child} @ {self.session_id}"


class TrainingMaterial(models.Model):
    """A document handed out at a training session (slides, a worksheet …)."""

    session = models.ForeignKey(
        TrainingSession,
        verbose_name=_("training session"),
        on_delete=models.CASCADE,
        related_name="materials",
    )
    file = models.FileField(_("file"), upload_to="training/%Y/%m/")
    name = models.CharField(_("file name"), max_length=120)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("training material")
        verbose_name_plural = _("training materials")
        ordering = ["pk"]

    def __str__(self):
        return self.name


class ActivityKind(models.TextChoices):
    DISCUSSION = "discussion", _("Discussion")
    SITE_VISIT = "site_visit", _("Site visit")
    ROUND_TABLE = "round_table", _("Round table")
    SAFETY_OUTREACH = "safety_outreach", _("Safety outreach")
    SIMULATION_CONFERENCE = "simulation_conference", _("Simulation consultative conference")
    DESIGN_CONTRIBUTION = "design_contribution", _("Design contribution")
    READING = "reading", _("Reading")
    REPORTING = "reporting", _("Reporting and interviews")
    BROADCAST = "broadcast", _("School radio broadcast")
    OTHER = "other", _("Other")


class PracticeBaseKind(models.TextChoices):
    YOUTH_CENTRE = "youth_centre", _("Youth activity centre")
    EMERGENCY_SAFETY = "emergency_safety", _("Emergency-safety venue")
    CULTURAL_VENUE = "cultural_venue", _("Museum or cultural venue")
    DIGITAL = "digital", _("Digital experience district")
    SERVICE_STATION = "service_station", _("Women's and children's service station")
    NATURE = "nature", _("Park or nature education site")
    OTHER = "other", _("Other")


class PracticeBase(BilingualName):
    """A certified child-friendly practice base 儿童友好实践基地."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=PracticeBaseKind.choices)
    district = models.ForeignKey(
        Organisation,
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        related_name="practice_bases",
        limit_choices_to={"kind": OrganisationKind.DISTRICT},
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    certified_on = models.DateField(_("certified on"))
    expires_on = models.DateField(_("certification expires on"))
    # The expiry date the admins were last warned about, so that each warning goes out once.
    expiry_warned_for = models.DateField(_("expiry warning sent for"), null=True, blank=True)

    class Meta:
        verbose_name = _("practice base")
        verbose_name_plural = _("practice bases")
        ordering = ["district__name", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__gt=F("certified_on")),
                name="practice_base_expires_after_certification",
                violation_error_message=_("The certification must expire after it was given."),
            ),
        ]

    def clean(self):
        if self.district_id and self.district.kind != OrganisationKind.DISTRICT:
            raise ValidationError({"district": _("Choose a district.")})


class PracticeBaseYear(models.Model):
    """How many people took part at a practice base in one year, as the base reports it."""

    base = models.ForeignKey(
        PracticeBase,
        verbose_name=_("practice base"),
        on_delete=models.CASCADE,
        related_name="years",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    participants = models.PositiveIntegerField(_("participants"))

    class Meta:
        verbose_name = _("participants in a year")
        verbose_name_plural = _("participants by year")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["base", "year"],
                name="one_count_per_base_and_year",
                violation_error_message=_("This base already has a count for this year."),
            ),
        ]

    def __str__(self):
        return f"{self.base} {self.year}: {self.participants}"


class Programme(BilingualName):
    """A named programme or brand (Baozhi Little Journalists, Talking with the Principal …)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    description = models.TextField(_("description (Chinese)"), max_length=2000, blank=True)
    description_en = models.TextField(_("description (English)"), max_length=2000, blank=True)
    part_of = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="parts",
    )
    run_by = models.ForeignKey(
        Organisation,
        verbose_name=_("run by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="programmes",
    )
    started_on = models.DateField(_("started on"), null=True, blank=True)

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["name"]

    @property
    def localized_description(self):
        if self.description_en and (get_language() or "").startswith("en"):
            return self.description_en
        return self.description


class ProgrammeFigure(BilingualName):
    """A figure a programme reports: books donated, radio stations built, uniforms recycled …"""

    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="figures"
    )
    value = models.PositiveIntegerField(_("value"))
    recorded_on = models.DateField(_("recorded on"))

    class Meta:
        verbose_name = _("programme figure")
        verbose_name_plural = _("programme figures")
        ordering = ["programme", "pk"]


PARTNER_KINDS = [
    OrganisationKind.UNIVERSITY,
    OrganisationKind.BUSINESS,
    OrganisationKind.POLICE_SCHOOL,
    OrganisationKind.PEOPLES_CONGRESS,
    OrganisationKind.DEPARTMENT,
    OrganisationKind.OTHER,
]


class Activity(models.Model):
    """Anything a group does, tagged with one of the three roles."""

    title = models.CharField(_("title"), max_length=120)
    kind = models.CharField(_("kind"), max_length=30, choices=ActivityKind.choices)
    role = models.CharField(_("role"), max_length=20, choices=ParticipationRole.choices)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    practice_base = models.ForeignKey(
        PracticeBase,
        verbose_name=_("practice base"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
    )
    group = models.ForeignKey(
        ObservationGroup,
        verbose_name=_("organising group"),
        on_delete=models.PROTECT,
        related_name="activities",
    )
    # For the municipal group: the sub-teams taking part (none means the whole group).
    sub_teams = models.ManyToManyField(
        SubTeam, verbose_name=_("sub-teams"), blank=True, related_name="activities"
    )
    partners = models.ManyToManyField(
        Organisation,
        verbose_name=_("partners"),
        blank=True,
        related_name="partner_activities",
        limit_choices_to={"kind__in": PARTNER_KINDS},
    )
    children_count = models.PositiveIntegerField(_("children taking part"), default=0)
    adults_count = models.PositiveIntegerField(_("adults taking part"), default=0)
    # Named attendance, where the children were registered.
    attendees = models.ManyToManyField(
        Child, verbose_name=_("registered children"), blank=True, related_name="activities"
    )
    programme = models.ForeignKey(
        Programme,
        verbose_name=_("programme"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
    )
    suggestions = models.ManyToManyField(
        "suggestions.Suggestion",
        verbose_name=_("suggestions that came out of it"),
        blank=True,
        related_name="activities",
    )
    report = models.TextField(_("report"), max_length=4000, blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logged by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    logged_at = models.DateTimeField(_("logged at"), auto_now_add=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-starts_at", "-pk"]
        indexes = [
            models.Index(fields=["starts_at"], name="activity_starts_at"),
            models.Index(fields=["group", "starts_at"], name="activity_group_starts_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="activity_ends_after_it_starts",
                violation_error_message=_("An activity must end after it starts."),
            ),
            models.CheckConstraint(
                condition=~Q(place="") | Q(practice_base__isnull=False),
                name="activity_has_a_place",
                violation_error_message=_("Give the place or the practice base."),
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def where(self):
        if self.practice_base_id and self.place:
            return f"{self.practice_base} · {self.place}"
        return str(self.practice_base) if self.practice_base_id else self.place


class ActivityPhoto(models.Model):
    """A photo in an activity's report. Any registered child shown in it needs their guardian's
    photo consent, recorded with the photo; children who are not registered may not be shown."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField(_("photo"), upload_to="activities/%Y/%m/")
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    children_shown = models.ManyToManyField(
        Child,
        verbose_name=_("children shown"),
        through="PhotoConsent",
        related_name="+",
        blank=True,
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("activity photo")
        verbose_name_plural = _("activity photos")
        ordering = ["pk"]

    def __str__(self):
        return self.caption or f"{self.activity} #{self.pk}"


class PhotoConsent(models.Model):
    """The consent under which a child appears in a photo: whose, given when."""

    photo = models.ForeignKey(
        ActivityPhoto, verbose_name=_("photo"), on_delete=models.CASCADE, related_name="consents"
    )
    child = models.ForeignKey(Child, verbose_name=_("child"), on_delete=models.CASCADE)
    guardian = models.ForeignKey(
        Guardian, verbose_name=_("guardian"), on_delete=models.PROTECT, related_name="+"
    )
    consent_given_on = models.DateField(_("consent given on"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("photo consent")
        verbose_name_plural = _("photo consents")
        constraints = [
            models.UniqueConstraint(
                fields=["photo", "child"],
                name="one_consent_per_child_and_photo",
                violation_error_message=_("This child is already recorded in this photo."),
            ),
        ]

    def __str__(self):
        return f"{self.child} @ {self.photo_id}"


class DiscussionTopic(BilingualName):
    """A topic a group discussed with a partner university or business, and what came of it."""

    group = models.ForeignKey(
        ObservationGroup,
        verbose_name=_("group"),
        on_delete=models.PROTECT,
        related_name="discussion_topics",
    )
    partner = models.ForeignKey(
        Organisation,
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        related_name="discussion_topics",
        limit_choices_to={"kind__in": [OrganisationKind.UNIVERSITY, OrganisationKind.BUSINESS]},
    )
    raised_on = models.DateField(_("raised on"))
    summary = models.TextField(_("summary"), max_length=2000, blank=True)
    suggestions = models.ManyToManyField(
        "suggestions.Suggestion",
        verbose_name=_("suggestions it produced"),
        blank=True,
        related_name="discussion_topics",
    )

    class Meta:
        verbose_name = _("discussion topic")
        verbose_name_plural = _("discussion topics")
        ordering = ["-raised_on", "pk"]

    def clean(self):
        if self.partner_id and self.partner.kind not in (
            OrganisationKind.UNIVERSITY,
            OrganisationKind.BUSINESS,
        ):
            raise ValidationError({"partner": _("Choose a university or a business.")})


class CalendarFeed(models.Model):
    """The secret address of a sub-team's calendar feed; a new token cuts off old subscribers."""

    sub_team = models.OneToOneField(
        SubTeam, verbose_name=_("sub-team"), on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(_("created at"), auto_now=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self):
        return str(self.sub_team)

"""Suggestions and their journey. The legal moves are in workflow.py; every state change goes
through services.suggestion_transition, which writes one StageChange per move."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groups.models import (
    Child,
    FocusArea,
    ObservationGroup,
    Organisation,
    OrganisationKind,
    Role,
)
from places.models import both_coordinates_or_none, latitude_field, longitude_field

from .workflow import FINAL_STATES, Stage, State, stage_of

# What sits on an owner's desk (workflow.OWNED_STATES), spelled out for the index below.
INBOX_STATES = [State.AT_SCHOOL, State.AT_COMMUNITY, State.AT_DEPARTMENT, State.IN_PROGRESS]


class StateChoices(models.TextChoices):
    DRAFT = State.DRAFT, _("Draft")
    SUBMITTED = State.SUBMITTED, _("Sent, waiting to reach the school")
    AT_SCHOOL = State.AT_SCHOOL, _("At the school")
    RETURNED = State.RETURNED, _("Returned with a question")
    MERGED = State.MERGED, _("Merged into another suggestion")
    COLLECTED = State.COLLECTED, _("Collected, on its way to the community")
    AT_COMMUNITY = State.AT_COMMUNITY, _("At the community")
    FORWARDED = State.FORWARDED, _("Forwarded, on its way to a department")
    REFERRED = State.REFERRED, _("Referred to another department")
    AT_DEPARTMENT = State.AT_DEPARTMENT, _("At the city department")
    IN_PROGRESS = State.IN_PROGRESS, _("Being built")
    IMPLEMENTED = State.IMPLEMENTED, _("Implemented")
    DECLINED = State.DECLINED, _("Declined")
    WITHDRAWN = State.WITHDRAWN, _("Withdrawn")


class StageChoices(models.TextChoices):
    SCHOOL = Stage.SCHOOL, _("School")
    COMMUNITY = Stage.COMMUNITY, _("Community")
    DEPARTMENT = Stage.DEPARTMENT, _("City department")


class ParticipationRole(models.TextChoices):
    """The three roles 三种角色 that suggestions and activities are tagged with."""

    SENTIMENT_OBSERVER = "sentiment_observer", _("Public sentiment observer")
    WELFARE_SUPERVISOR = "welfare_supervisor", _("Public welfare supervisor")
    SAFETY_PROMOTER = "safety_promoter", _("Safety promoter")


class Suggestion(models.Model):
    child = models.ForeignKey(
        Child, verbose_name=_("child"), on_delete=models.PROTECT, related_name="suggestions"
    )
    title = models.CharField(_("title"), max_length=80)
    # A draft needs only its title; sending needs the rest (SENT_NEEDS, and the constraint
    # below).
    noticed = models.TextField(_("what I noticed"), max_length=2000, blank=True)
    proposal = models.TextField(_("what I suggest"), max_length=2000, blank=True)
    place = models.CharField(_("where"), max_length=120, blank=True)
    # Where it is, as the portal knows places: a known place (which lies in a division), or a
    # division chosen district → street → community. Routing goes by it; the words above say
    # the rest ("the crossing at the north gate").
    known_place = models.ForeignKey(
        "places.Place",
        verbose_name=_("known place"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    division = models.ForeignKey(
        "places.Division",
        verbose_name=_("division"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    latitude = latitude_field()
    longitude = longitude_field()
    focus_area = models.ForeignKey(
        FocusArea,
        verbose_name=_("focus area"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    role = models.CharField(
        _("the role I made it in"), max_length=20, choices=ParticipationRole.choices, blank=True
    )
    photo = models.ImageField(_("photo"), upload_to="suggestions/%Y/%m/", blank=True)
    group = models.ForeignKey(
        ObservationGroup,
        verbose_name=_("made in the group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="suggestions",
        help_text=_("The observation group the child made it in, if not their sub-team."),
    )

    state = models.CharField(
        _("state"), max_length=20, choices=StateChoices.choices, default=State.DRAFT
    )
    # The organisation whose desk it is on, and until when (empty while the router has it).
    owner = models.ForeignKey(
        Organisation,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_suggestions",
    )
    stage_started_at = models.DateTimeField(_("stage started at"), null=True, blank=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    overdue_since = models.DateTimeField(_("overdue since"), null=True, blank=True)
    # The router found no owner: the programme office must step in.
    needs_admin = models.BooleanField(_("needs the programme office"), default=False)
    # Named by a community forwarding, or a department referring; else the routing rules decide.
    requested_department = models.ForeignKey(
        Organisation,
        verbose_name=_("requested department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": OrganisationKind.DEPARTMENT},
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_from",
    )
    answer = models.TextField(_("answer to the child"), blank=True)
    planned_on = models.DateField(_("planned for"), null=True, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    # Incremented by every move: a form sent with an older version is stale.
    version = models.PositiveIntegerField(default=0)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Its words, for similar suggestions and the search (suggestions/search.py): written by the
    # services that write the title and the texts; on PostgreSQL a GIN index of their tsvector
    # (migration 0013) answers from a million.
    search_words = models.TextField(_("search words"), blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        ordering = ["-created_at"]
        indexes = [
            # Inboxes: what an organisation owns now, soonest due first.
            models.Index(
                fields=["owner", "due_at"],
                condition=Q(state__in=INBOX_STATES),
                name="suggestion_inbox_open",
            ),
            models.Index(fields=["owner", "state", "due_at"], name="suggestion_inbox"),
            models.Index(fields=["owner", "focus_area", "due_at"], name="suggestion_inbox_focus"),
            models.Index(
                fields=["owner", "due_at"],
                condition=Q(overdue_since__isnull=False),
                name="suggestion_inbox_overdue",
            ),
            models.Index(fields=["child", "-created_at"], name="suggestion_child"),
            models.Index(fields=["state", "closed_at"], name="suggestion_state"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__gte=0) & Q(progress__lte=100),
                name="progress_is_a_percentage",
                violation_error_message=_("Progress is a percentage from 0 to 100."),
            ),
            models.CheckConstraint(
                condition=~Q(state=State.MERGED) | Q(merged_into__isnull=False),
                name="merged_names_the_one_that_goes_on",
                violation_error_message=_("A merged suggestion names the one that goes on."),
            ),
            models.CheckConstraint(
                condition=Q(submitted_at__isnull=True)
                | (
                    Q(focus_area__isnull=False)
                    & ~Q(noticed="")
                    & ~Q(proposal="")
                    & ~Q(place="")
                    & ~Q(role="")
                ),
                name="a_sent_suggestion_is_complete",
                violation_error_message=_("A suggestion is sent only when it is complete."),
            ),
            models.CheckConstraint(
                condition=Q(known_place__isnull=True) | Q(division__isnull=False),
                name="a_known_place_gives_the_division",
                violation_error_message=_("A known place lies in a division."),
            ),
            both_coordinates_or_none("suggestion_has_both_coordinates_or_none"),
        ]

    # What a suggestion must have before it is sent: a draft needs only its title.
    SENT_NEEDS = ("noticed", "proposal", "place", "focus_area", "role")

    def __str__(self):
        return self.title

    @property
    def stage(self):
        return stage_of(State(self.state))

    @property
    def is_final(self):
        return State(self.state) in FINAL_STATES

    def missing_for_sending(self) -> list[str]:
        return [
            name
            for name in self.SENT_NEEDS
            if getattr(self, "focus_area_id" if name == "focus_area" else name) in (None, "")
        ]


class RoutedBy(models.TextChoices):
    """What made the router send a suggestion to a department."""

    REQUESTED = "requested", _("the department asked for")
    PLACE = "place", _("the rule for the place")
    SCHOOL = "school", _("the rule for the child's school (no place given)")
    CITYWIDE = "citywide", _("the city-wide rule")


class StageChange(models.Model):
    """One move of one suggestion: exactly one row per state change, never edited."""

    suggestion = models.ForeignKey(
        Suggestion, verbose_name=_("suggestion"), on_delete=models.CASCADE, related_name="history"
    )
    action = models.CharField(_("action"), max_length=30)
    from_state = models.CharField(_("from"), max_length=20, choices=StateChoices.choices)
    to_state = models.CharField(_("to"), max_length=20, choices=StateChoices.choices)
    # Empty for the router.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    owner = models.ForeignKey(
        Organisation,
        verbose_name=_("owner after the move"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    # Why the router chose a department (a move to the department stage): the department
    # asked for, or the rule that matched, and the division it matched in.
    routed_by = models.CharField(
        _("routed by"), max_length=10, choices=RoutedBy.choices, blank=True
    )
    routed_division = models.ForeignKey(
        "places.Division",
        verbose_name=_("routed by the division"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.suggestion_id}: {self.from_state} → {self.to_state}"

    @property
    def by_router(self):
        return self.actor_id is None


class PlaceCorrection(models.Model):
    """The owner of a suggestion (its community, or its department) set where it is right:
    who, when, from where to where and why. Never edited."""

    suggestion = models.ForeignKey(
        Suggestion,
        verbose_name=_("suggestion"),
        on_delete=models.CASCADE,
        related_name="place_corrections",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    state = models.CharField(_("state"), max_length=20, choices=StateChoices.choices)
    from_known_place = models.ForeignKey(
        "places.Place",
        verbose_name=_("known place before"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    from_division = models.ForeignKey(
        "places.Division",
        verbose_name=_("division before"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    to_known_place = models.ForeignKey(
        "places.Place",
        verbose_name=_("known place after"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    to_division = models.ForeignKey(
        "places.Division",
        verbose_name=_("division after"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField(_("reason"), max_length=2000)
    # The new place belongs to another department's rules: the suggestion went back to the
    # router (a refer move, with the reason as its note).
    rerouted = models.BooleanField(_("sent to another department"), default=False)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("place correction")
        verbose_name_plural = _("place corrections")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.suggestion_id}: {self.from_division_id} → {self.to_division_id}"

    @staticmethod
    def _where(place, division) -> str:
        if division is None:
            return ""
        return f"{place} · {division.full_name}" if place else division.full_name

    @property
    def before(self) -> str:
        """Where it was: the known place and the divisions it lies in ("" for none)."""
        return self._where(self.from_known_place, self.from_division)

    @property
    def after(self) -> str:
        return self._where(self.to_known_place, self.to_division)


def not_in_the_future(day) -> None:
    """The one check of an outcome's date, for the page's form and the API alike (the form
    is a ModelForm; the service cleans the outcome before it saves it)."""
    if day > timezone.localdate():
        raise ValidationError(_("The work cannot be completed in the future."))


class Outcome(models.Model):
    """What was built or changed: "175 children's parking lots"."""

    suggestion = models.OneToOneField(
        Suggestion, verbose_name=_("suggestion"), on_delete=models.CASCADE, related_name="outcome"
    )
    description = models.TextField(_("what was done"), max_length=2000)
    quantity = models.DecimalField(
        _("quantity"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    completed_on = models.DateField(_("completed on"), validators=[not_in_the_future])

    class Meta:
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__isnull=True) | Q(quantity__gte=0),
                name="outcome_quantity_not_negative",
                violation_error_message=_("A quantity cannot be negative."),
            ),
        ]

    def __str__(self):
        return self.description[:60]


class ProgressUpdate(models.Model):
    suggestion = models.ForeignKey(
        Suggestion, verbose_name=_("suggestion"), on_delete=models.CASCADE, related_name="updates"
    )
    percent = models.PositiveSmallIntegerField(_("progress (%)"))
    note = models.TextField(_("note"), max_length=2000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        ordering = ["created_at"]

    def __str__(self):
        return f"{self.suggestion_id}: {self.percent}%"


class RoutingRule(models.Model):
    """Which department takes suggestions of a focus area, in a division or anywhere.

    The router matches the suggestion's place: a rule for its community, else its street,
    else its district, else the city-wide one (services._department_by_rules)."""

    focus_area = models.ForeignKey(
        FocusArea, verbose_name=_("focus area"), on_delete=models.CASCADE, related_name="+"
    )
    division = models.ForeignKey(
        "places.Division",
        verbose_name=_("division"),
        # Divisions are reference data; a rule is never dropped with one.
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_(
            "A district, street or community. Empty: the whole city, where no rule of a "
            "smaller division applies."
        ),
    )
    department = models.ForeignKey(
        Organisation,
        verbose_name=_("department"),
        on_delete=models.CASCADE,
        related_name="routing_rules",
        limit_choices_to={"kind": OrganisationKind.DEPARTMENT},
    )

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        constraints = [
            models.UniqueConstraint(
                fields=["focus_area", "division"],
                name="one_rule_per_focus_area_and_division",
                violation_error_message=_("There is already a rule for this focus area here."),
            ),
            models.UniqueConstraint(
                fields=["focus_area"],
                condition=Q(division__isnull=True),
                name="one_citywide_rule_per_focus_area",
                violation_error_message=_("There is already a city-wide rule for this focus area."),
            ),
        ]

    def __str__(self):
        return f"{self.focus_area} · {self.division or '*'} → {self.department}"


class StageDeadline(models.Model):
    """How many days each stage's owner has to act. Admins change them here."""

    stage = models.CharField(_("stage"), max_length=20, choices=StageChoices.choices, unique=True)
    days = models.PositiveSmallIntegerField(_("days"))

    class Meta:
        verbose_name = _("stage deadline")
        verbose_name_plural = _("stage deadlines")

    def __str__(self):
        return f"{self.get_stage_display()}: {self.days}"


class RoutingJob(models.Model):
    """The outbox: written in the same transaction as the move that needs routing.

    The task is sent after the commit; if the broker is down then, the job waits here and
    the sweeper sends it again. A job is done once the router has acted on it, so a job
    delivered twice is routed once.
    """

    suggestion = models.ForeignKey(
        Suggestion, on_delete=models.CASCADE, related_name="routing_jobs"
    )
    # The state the suggestion was in when the job was written: the router acts only if it
    # still is.
    state = models.CharField(max_length=20, choices=StateChoices.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    sends = models.PositiveSmallIntegerField(default=0)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("routing job")
        verbose_name_plural = _("routing jobs")
        indexes = [
            models.Index(
                fields=["sent_at"], condition=Q(done_at__isnull=True), name="routing_job_pending"
            ),
            # The sweeper's frontier: what the workers routed lately.
            models.Index(fields=["done_at"], name="routing_job_done"),
        ]

    def __str__(self):
        return f"{self.suggestion_id} ({self.state})"


class NotificationKind(models.TextChoices):
    NEW_IN_INBOX = "new_in_inbox", _("A suggestion arrived in your inbox")
    OVERDUE = "overdue", _("A suggestion is overdue")
    NEEDS_ADMIN = "needs_admin", _("A suggestion found no owner")
    MOVED = "moved", _("Your suggestion moved on")
    RETURNED = "returned", _("Your suggestion came back with a question")
    PROGRESS = "progress", _("Progress on your suggestion")
    ANSWERED = "answered", _("Your suggestion has an answer")
    VOICE = "voice", _("One more child noticed it too")


# A guardian reads about their child's suggestion, not "your suggestion": on the portal with
# the child's pseudonym, in an e-mail without it (nothing about a child goes into an e-mail).
FOR_A_GUARDIAN = {
    NotificationKind.MOVED: (
        _("%(child)s's suggestion moved on"),
        _("Your child's suggestion moved on"),
    ),
    NotificationKind.RETURNED: (
        _("The school has a question about %(child)s's suggestion"),
        _("The school has a question about your child's suggestion"),
    ),
    NotificationKind.PROGRESS: (
        _("Progress on %(child)s's suggestion"),
        _("Progress on your child's suggestion"),
    ),
    NotificationKind.ANSWERED: (
        _("%(child)s's suggestion has an answer"),
        _("Your child's suggestion has an answer"),
    ),
}


class Notification(models.Model):
    """In-app notice; its text is written at display time, in the reader's language."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    suggestion = models.ForeignKey(
        Suggestion,
        verbose_name=_("suggestion"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.suggestion_id}"

    def text_for(self, reader, *, name_the_child: bool = True) -> str:
        """What this notice says to `reader`, in the active language. Naming the child reads
        `suggestion.child` (select it with the notice)."""
        if reader.role != Role.GUARDIAN or self.kind not in FOR_A_GUARDIAN:
            return str(self.get_kind_display())
        named, unnamed = FOR_A_GUARDIAN[self.kind]
        if not name_the_child:
            return str(unnamed)
        return named % {"child": self.suggestion.child.pseudonym}


class Voice(models.Model):
    """ "Me too": a child adds their voice to another child's suggestion, with a line of their
    own if they like. One voice per child per suggestion; merging moves the voices to the
    suggestion that goes on (services.voices_move), so a voice is never lost."""

    suggestion = models.ForeignKey(
        Suggestion, verbose_name=_("suggestion"), on_delete=models.CASCADE, related_name="voices"
    )
    child = models.ForeignKey(
        Child, verbose_name=_("child"), on_delete=models.PROTECT, related_name="voices"
    )
    line = models.CharField(_("what I would add"), max_length=140, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("voice")
        verbose_name_plural = _("voices")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["suggestion", "child"],
                name="one_voice_per_child_per_suggestion",
                violation_error_message=_("You have already said “me too” to this suggestion."),
            ),
        ]
        # A child's "me too" list reads by child (the unique index serves by suggestion).
        indexes = [models.Index(fields=["child", "-created_at"], name="voice_child")]

    def __str__(self):
        return f"{self.suggestion_id}: {self.child_id}"


# --- Recorded on behalf of children (issue 21) ----------------------------------------------
# `Suggestion.child` stays required and is the first named child: the router (the child's
# school), the workflow's Actor.CHILD, notices and every list already read it. A recorded
# suggestion has a row here for every author, the first included; a child's own suggestion has
# none (its `child` is its one author), so nothing written before had to change. "The
# suggestions of these children" reads both (selectors.suggestions_of_children).


class SuggestionAuthor(models.Model):
    """A child who made the suggestion: the one who wrote it, a co-author named by the adult
    who recorded it, or a member of the group it was made by (when it was recorded)."""

    suggestion = models.ForeignKey(
        Suggestion, verbose_name=_("suggestion"), on_delete=models.CASCADE, related_name="authors"
    )
    child = models.ForeignKey(
        Child, verbose_name=_("child"), on_delete=models.PROTECT, related_name="authorships"
    )

    class Meta:
        verbose_name = _("author")
        verbose_name_plural = _("authors")
        constraints = [
            models.UniqueConstraint(
                fields=["suggestion", "child"],
                name="one_authorship_per_child_and_suggestion",
                violation_error_message=_("This child is already one of its authors."),
            ),
        ]
        indexes = [models.Index(fields=["child", "suggestion"], name="suggestion_author_child")]

    def __str__(self):
        return f"{self.child_id} @ {self.suggestion_id}"


class OnBehalfRecord(models.Model):
    """A suggestion an adult entered for children: who entered it, from what (an activity, a
    discussion topic, and where it came from in words), and a scan of the paper."""

    suggestion = models.OneToOneField(
        Suggestion,
        verbose_name=_("suggestion"),
        on_delete=models.CASCADE,
        related_name="recorded",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Strings: activities sits above suggestions (it imports this app).
    activity = models.ForeignKey(
        "activities.Activity",
        verbose_name=_("activity"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    discussion_topic = models.ForeignKey(
        "activities.DiscussionTopic",
        verbose_name=_("discussion topic"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    source = models.CharField(_("where it came from"), max_length=200)
    by_whole_group = models.BooleanField(_("by the whole group"), default=False)
    scan = models.FileField(_("scan or photo of the paper"), upload_to="scans/%Y/%m/", blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("suggestion recorded on behalf of children")
        verbose_name_plural = _("suggestions recorded on behalf of children")

    def __str__(self):
        return f"{self.suggestion_id} · {self.source}"

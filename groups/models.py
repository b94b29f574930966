"""People and groups of the programme.

Rules that span rows (a school's community is a community; a sub-team belongs to the group of
the membership) are checked in `clean()` and in the services; rules within a row, and
uniqueness, are database constraints, each with a message the admin pages show.
"""

from datetime import timedelta

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from .fields import EncryptedCharField


class Role(models.TextChoices):
    CHILD = "child", _("Child observer")
    GUARDIAN = "guardian", _("Guardian")
    MENTOR = "mentor", _("Mentor")
    SCHOOL = "school", _("School coordinator")
    COMMUNITY = "community", _("Community worker")
    DEPARTMENT = "department", _("Department staff")
    ADMIN = "admin", _("Programme office")


class User(AbstractUser):
    """A login to the portal. Every login has exactly one role in the programme.

    A child's login carries no real name: `username` is a login name and `display_name` a
    pseudonym; the real name lives apart, in ChildPersonalData.
    """

    # Least data: no first and last name on any login (a child's real name lives apart, in
    # ChildPersonalData; staff and guardians are shown by their display name).
    first_name = None
    last_name = None
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    display_name = models.CharField(
        _("display name"),
        max_length=60,
        blank=True,
        help_text=_("Shown everywhere in the portal; for a child, their pseudonym."),
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.display_name or self.username

    # Without first and last names, Django's own helpers give the display name.
    def get_full_name(self):
        return str(self)

    def get_short_name(self):
        return str(self)


class BilingualName(models.Model):
    """A Chinese name, always given, and an English one shown on English pages when present."""

    name = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)

    class Meta:
        abstract = True

    def __str__(self):
        return self.localized_name

    @property
    def localized_name(self):
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name


class FocusArea(BilingualName):
    """What a sub-team watches and what a suggestion is about (living environment, transport …)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("focus area")
        verbose_name_plural = _("focus areas")
        ordering = ["position", "code"]


class OrganisationKind(models.TextChoices):
    DISTRICT = "district", _("District")
    STREET = "street", _("Street")
    COMMUNITY = "community", _("Community")
    SCHOOL = "school", _("School")
    DEPARTMENT = "department", _("City department")
    UNIVERSITY = "university", _("University")
    BUSINESS = "business", _("Business")
    PEOPLES_CONGRESS = "peoples_congress", _("People's Congress")
    POLICE_SCHOOL = "police_school", _("Police school")
    PROGRAMME_OFFICE = "programme_office", _("Programme office")
    OTHER = "other", _("Other")


class Organisation(BilingualName):
    """Anything the programme works with: districts, schools, communities, departments …"""

    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    code = models.SlugField(
        _("code"),
        max_length=40,
        unique=True,
        help_text=_("A short, stable identifier, used by imports and links."),
    )
    district = models.ForeignKey(
        "self",
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": OrganisationKind.DISTRICT},
    )
    community = models.ForeignKey(
        "self",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="schools",
        limit_choices_to={"kind": OrganisationKind.COMMUNITY},
        help_text=_("For a school: the community it belongs to."),
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind=OrganisationKind.SCHOOL) | Q(community__isnull=False),
                name="school_has_community",
                violation_error_message=_("A school must belong to a community."),
            ),
            models.CheckConstraint(
                condition=Q(kind=OrganisationKind.SCHOOL) | Q(community__isnull=True),
                name="only_schools_have_a_community",
                violation_error_message=_("Only a school belongs to a community."),
            ),
            models.CheckConstraint(
                condition=~Q(
                    kind__in=[
                        OrganisationKind.SCHOOL,
                        OrganisationKind.COMMUNITY,
                        OrganisationKind.STREET,
                    ]
                )
                | Q(district__isnull=False),
                name="local_organisation_has_district",
                violation_error_message=_("A school, community or street must lie in a district."),
            ),
            models.CheckConstraint(
                condition=~Q(kind=OrganisationKind.DISTRICT) | Q(district__isnull=True),
                name="district_has_no_district",
                violation_error_message=_("A district does not lie in another district."),
            ),
        ]

    def clean(self):
        errors = {}
        if self.community_id and self.community.kind != OrganisationKind.COMMUNITY:
            errors["community"] = _("Choose a community.")
        if self.district_id and self.district.kind != OrganisationKind.DISTRICT:
            errors["district"] = _("Choose a district.")
        if errors:
            raise ValidationError(errors)


class Alliance(BilingualName):
    """The alliance of children's observation groups from schools and communities."""

    founded_on = models.DateField(_("founded on"), null=True, blank=True)

    class Meta:
        verbose_name = _("alliance")
        verbose_name_plural = _("alliances")


class GroupLevel(models.TextChoices):
    MUNICIPAL = "municipal", _("Municipal observation group")
    ALLIANCE_MEMBER = "alliance_member", _("Alliance member group")
    PARTICIPATION_ORG = "participation_org", _("Child participation organisation")


class ObservationGroup(BilingualName):
    """A group of children at one of three levels.

    The municipal group (one) has the sub-teams; alliance member groups are run by a school or a
    community; child participation organisations are fostered by an alliance member group.
    """

    level = models.CharField(_("level"), max_length=20, choices=GroupLevel.choices)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("run by"),
        on_delete=models.PROTECT,
        related_name="observation_groups",
    )
    alliance = models.ForeignKey(
        Alliance,
        verbose_name=_("alliance"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    fostered_by = models.ForeignKey(
        "self",
        verbose_name=_("fostered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fostered",
        limit_choices_to={"level": GroupLevel.ALLIANCE_MEMBER},
    )
    founded_on = models.DateField(_("founded on"), null=True, blank=True)

    class Meta:
        verbose_name = _("observation group")
        verbose_name_plural = _("observation groups")
        ordering = ["level", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["level"],
                condition=Q(level=GroupLevel.MUNICIPAL),
                name="one_municipal_group",
                violation_error_message=_("There is already a municipal observation group."),
            ),
            models.CheckConstraint(
                condition=Q(level=GroupLevel.ALLIANCE_MEMBER, alliance__isnull=False)
                | (~Q(level=GroupLevel.ALLIANCE_MEMBER) & Q(alliance__isnull=True)),
                name="alliance_members_and_only_they_have_an_alliance",
                violation_error_message=_(
                    "An alliance member group, and only such a group, belongs to the alliance."
                ),
            ),
            models.CheckConstraint(
                condition=Q(level=GroupLevel.PARTICIPATION_ORG, fostered_by__isnull=False)
                | (~Q(level=GroupLevel.PARTICIPATION_ORG) & Q(fostered_by__isnull=True)),
                name="participation_orgs_and_only_they_are_fostered",
                violation_error_message=_(
                    "A child participation organisation, and only such an organisation, "
                    "is fostered by an alliance member group."
                ),
            ),
        ]

    def clean(self):
        if self.fostered_by_id and self.fostered_by.level != GroupLevel.ALLIANCE_MEMBER:
            raise ValidationError({"fostered_by": _("Choose an alliance member group.")})
        runs_alliance_group = (OrganisationKind.SCHOOL, OrganisationKind.COMMUNITY)
        if (
            self.level == GroupLevel.ALLIANCE_MEMBER
            and self.organisation_id
            and self.organisation.kind not in runs_alliance_group
        ):
            raise ValidationError(
                {"organisation": _("An alliance member group is run by a school or a community.")}
            )


class SubTeam(BilingualName):
    """One of the themed sub-teams of the municipal group, with its leadership rotation."""

    group = models.ForeignKey(
        ObservationGroup,
        verbose_name=_("group"),
        on_delete=models.PROTECT,
        related_name="sub_teams",
        limit_choices_to={"level": GroupLevel.MUNICIPAL},
    )
    focus_area = models.ForeignKey(
        FocusArea, verbose_name=_("focus area"), on_delete=models.PROTECT, related_name="+"
    )
    term_days = models.PositiveSmallIntegerField(
        _("leadership term (days)"),
        default=30,
        help_text=_("How long each leader leads before the next member in the order takes over."),
    )

    class Meta:
        verbose_name = _("sub-team")
        verbose_name_plural = _("sub-teams")
        ordering = ["focus_area__position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "focus_area"],
                name="one_sub_team_per_focus_area",
                violation_error_message=_("The group already has a sub-team for this focus area."),
            ),
            models.CheckConstraint(
                condition=Q(term_days__gte=1),
                name="term_at_least_one_day",
                violation_error_message=_("A leadership term lasts at least one day."),
            ),
        ]

    def clean(self):
        if self.group_id and self.group.level != GroupLevel.MUNICIPAL:
            raise ValidationError({"group": _("Sub-teams belong to the municipal group.")})


class AgeBand(models.TextChoices):
    AGE_6_8 = "6-8", _("6–8 years")
    AGE_9_11 = "9-11", _("9–11 years")
    AGE_12_14 = "12-14", _("12–14 years")
    AGE_15_17 = "15-17", _("15–17 years")


class Child(models.Model):
    """A child observer, known everywhere by a pseudonym. No real name or contact here."""

    pseudonym = models.CharField(_("pseudonym"), max_length=40, unique=True)
    # The programme office's own number for the child, the key by which roster imports match
    # children (imports/children.py). Empty for children entered by hand.
    roster_number = models.CharField(
        _("roster number"),
        max_length=40,
        unique=True,
        null=True,
        blank=True,
        default=None,
        validators=[validate_slug],
        help_text=_("Letters, digits, “-” and “_”, as on the office's roster."),
    )
    user = models.OneToOneField(
        User,
        verbose_name=_("login"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="child",
        limit_choices_to={"role": Role.CHILD},
    )
    age_band = models.CharField(_("age band"), max_length=5, choices=AgeBand.choices)
    school = models.ForeignKey(
        Organisation,
        verbose_name=_("school"),
        on_delete=models.PROTECT,
        related_name="pupils",
        limit_choices_to={"kind": OrganisationKind.SCHOOL},
    )
    community = models.ForeignKey(
        Organisation,
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="resident_children",
        limit_choices_to={"kind": OrganisationKind.COMMUNITY},
    )
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    # Set when the child's personal data was removed (privacy.services.child_anonymise): the
    # pseudonym is then a placeholder and their suggestions stand under "former observer".
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)

    class Meta:
        verbose_name = _("child")
        verbose_name_plural = _("children")
        ordering = ["pseudonym"]
        constraints = [
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                name="child_leaves_after_joining",
                violation_error_message=_("A child cannot leave before joining."),
            ),
        ]

    def __str__(self):
        return self.pseudonym

    def clean(self):
        errors = {}
        if self.school_id and self.school.kind != OrganisationKind.SCHOOL:
            errors["school"] = _("Choose a school.")
        if self.community_id and self.community.kind != OrganisationKind.COMMUNITY:
            errors["community"] = _("Choose a community.")
        if errors:
            raise ValidationError(errors)


class ChildPersonalData(models.Model):
    """A child's real name and contact, apart from everything else, encrypted at rest.

    Only admins with the `groups.view_childpersonaldata` permission see it, on the personal
    record page (privacy/), after stating why; each view is written to the access log. No other
    page, export or log shows it.
    """

    child = models.OneToOneField(
        Child, verbose_name=_("child"), on_delete=models.CASCADE, related_name="personal_data"
    )
    # Encrypted at rest (groups/fields.py): the column holds a Fernet token, never the text.
    real_name = EncryptedCharField(_("real name"), max_length=60)
    contact_phone = EncryptedCharField(_("contact phone"), max_length=30, blank=True)
    address = EncryptedCharField(_("address"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("child's personal data")
        verbose_name_plural = _("children's personal data")

    def __str__(self):
        return str(self.child)


class Guardian(models.Model):
    """A parent or carer with a login, linked to their children."""

    user = models.OneToOneField(
        User,
        verbose_name=_("login"),
        on_delete=models.CASCADE,
        related_name="guardian",
        limit_choices_to={"role": Role.GUARDIAN},
    )
    children = models.ManyToManyField(
        Child, verbose_name=_("children"), through="Guardianship", related_name="guardians"
    )

    class Meta:
        verbose_name = _("guardian")
        verbose_name_plural = _("guardians")

    def __str__(self):
        return str(self.user)


class Guardianship(models.Model):
    class Relationship(models.TextChoices):
        MOTHER = "mother", _("Mother")
        FATHER = "father", _("Father")
        GRANDPARENT = "grandparent", _("Grandparent")
        OTHER = "other", _("Other carer")

    guardian = models.ForeignKey(Guardian, verbose_name=_("guardian"), on_delete=models.CASCADE)
    child = models.ForeignKey(Child, verbose_name=_("child"), on_delete=models.CASCADE)
    relationship = models.CharField(_("relationship"), max_length=20, choices=Relationship.choices)
    # The guardian agreed that the child may appear in photos of activities' reports.
    photo_consent_on = models.DateField(
        _("photo consent given on"),
        null=True,
        blank=True,
        help_text=_("Empty: the child must not appear in any photo."),
    )

    class Meta:
        verbose_name = _("guardianship")
        verbose_name_plural = _("guardianships")
        constraints = [
            models.UniqueConstraint(
                fields=["guardian", "child"],
                name="one_guardianship_per_pair",
                violation_error_message=_("This guardian is already linked to this child."),
            ),
        ]

    def __str__(self):
        return f"{self.guardian} → {self.child}"


class MembershipRole(models.TextChoices):
    MEMBER = "member", _("Member")
    LEADER = "leader", _("Leader")


class MembershipQuerySet(models.QuerySet):
    def current(self):
        """Memberships in force now: those not ended."""
        return self.filter(ends_on__isnull=True)

    def on(self, day):
        """Memberships in force on that day (`ends_on` is the first day without it)."""
        return self.filter(starts_on__lte=day).filter(Q(ends_on__isnull=True) | Q(ends_on__gt=day))

    def members(self):
        return self.filter(role=MembershipRole.MEMBER)

    def leaders(self):
        return self.filter(role=MembershipRole.LEADER)

    def of_group(self, group):
        """Rows of the group itself and of its sub-teams."""
        return self.filter(Q(group=group) | Q(sub_team__group=group))


class Membership(models.Model):
    """A child's place in an observation group, or in a sub-team of the municipal group.

    A row names either a group or a sub-team (which stands for its group). A `member` row lasts
    as long as the child belongs; each `leader` row is one leadership term of a sub-team, so the
    leader rows of a sub-team are its leadership history. A row is current while `ends_on` is
    empty; `ends_on` is the first day on which it no longer holds.
    """

    child = models.ForeignKey(
        Child, verbose_name=_("child"), on_delete=models.CASCADE, related_name="memberships"
    )
    group = models.ForeignKey(
        ObservationGroup,
        verbose_name=_("group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        help_text=_("For a group without sub-teams. Leave empty when choosing a sub-team."),
    )
    sub_team = models.ForeignKey(
        SubTeam,
        verbose_name=_("sub-team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
    )
    role = models.CharField(
        _("role"), max_length=10, choices=MembershipRole.choices, default=MembershipRole.MEMBER
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    rotation_position = models.PositiveSmallIntegerField(
        _("place in the leadership rotation"),
        null=True,
        blank=True,
        help_text=_("Sub-team members lead in this order; empty means not in the rotation."),
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(group__isnull=True, sub_team__isnull=False)
                | Q(group__isnull=False, sub_team__isnull=True),
                name="membership_of_a_group_or_a_sub_team",
                violation_error_message=_("Choose a group or a sub-team: one of them, not both."),
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="membership_ends_after_it_starts",
                violation_error_message=_("A membership cannot end before it starts."),
            ),
            models.UniqueConstraint(
                fields=["child", "group"],
                condition=Q(role=MembershipRole.MEMBER, ends_on__isnull=True),
                name="one_current_membership_per_group",
                violation_error_message=_("This child is already a current member of this group."),
            ),
            models.UniqueConstraint(
                fields=["child"],
                condition=Q(
                    role=MembershipRole.MEMBER, ends_on__isnull=True, sub_team__isnull=False
                ),
                name="one_current_sub_team_per_child",
                violation_error_message=_(
                    "This child is already a current member of a sub-team. "
                    "End that membership first."
                ),
            ),
            models.UniqueConstraint(
                fields=["sub_team"],
                condition=Q(role=MembershipRole.LEADER, ends_on__isnull=True),
                name="one_current_leader_per_sub_team",
                violation_error_message=_(
                    "This sub-team already has a current leader. End that leadership first."
                ),
            ),
            models.UniqueConstraint(
                fields=["sub_team", "rotation_position"],
                condition=Q(role=MembershipRole.MEMBER, ends_on__isnull=True),
                name="one_member_per_rotation_place",
                violation_error_message=_(
                    "Another current member of this sub-team already has this place in the "
                    "rotation. Give each member a different place."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(role=MembershipRole.LEADER) | Q(sub_team__isnull=False),
                name="leaders_lead_a_sub_team",
                violation_error_message=_("A leader leads a sub-team: choose the sub-team."),
            ),
        ]
        indexes = [models.Index(fields=["sub_team", "role", "ends_on"])]

    def __str__(self):
        return f"{self.child} · {self.sub_team or self.group} · {self.get_role_display()}"

    @property
    def term_ends_on(self):
        """For a leader row: the day on which the next member takes over."""
        if self.role != MembershipRole.LEADER or self.sub_team is None:
            return None
        return self.starts_on + timedelta(days=self.sub_team.term_days)

    def overlapping(self):
        """Other rows of the same kind whose dates overlap this one's (ends are exclusive)."""
        rows = Membership.objects.exclude(pk=self.pk).filter(role=self.role)
        if self.role == MembershipRole.LEADER:
            rows = rows.filter(sub_team_id=self.sub_team_id)
        elif self.sub_team_id:
            rows = rows.filter(child_id=self.child_id, sub_team__isnull=False)
        else:
            rows = rows.filter(child_id=self.child_id, group_id=self.group_id)
        rows = rows.filter(Q(ends_on__isnull=True) | Q(ends_on__gt=self.starts_on))
        if self.ends_on is not None:
            rows = rows.filter(starts_on__lt=self.ends_on)
        return rows

    def clean(self):
        if self.group_id and self.group.level == GroupLevel.MUNICIPAL:
            raise ValidationError(
                {"group": _("Members of the municipal group belong to one of its sub-teams.")}
            )
        # A row is current exactly while it has no end, so an end cannot be set in advance.
        if self.ends_on and self.ends_on > timezone.localdate():
            raise ValidationError(
                {"ends_on": _("Set the end on the day it happens, not in advance.")}
            )
        dates_valid = self.starts_on and (self.ends_on is None or self.ends_on >= self.starts_on)
        if not (dates_valid and self.child_id and (self.group_id or self.sub_team_id)):
            return
        if self.overlapping().exists():
            if self.role == MembershipRole.LEADER:
                raise ValidationError(
                    _("Another leadership term of this sub-team overlaps these dates.")
                )
            raise ValidationError(
                _("This child already belongs to this group or to a sub-team during these dates.")
            )
        same_sub_team = Membership.objects.current().filter(
            child_id=self.child_id, sub_team_id=self.sub_team_id
        )
        leads_without_being_a_member = (
            self.role == MembershipRole.LEADER
            and self.ends_on is None
            and self.sub_team_id
            and not same_sub_team.members().exists()
        )
        if leads_without_being_a_member:
            raise ValidationError(_("Only a current member of the sub-team can lead it."))
        leaves_while_leading = (
            self.role == MembershipRole.MEMBER
            and self.ends_on
            and self.sub_team_id
            and same_sub_team.leaders().exists()
        )
        if leaves_while_leading:
            raise ValidationError(
                _(
                    "This child leads the sub-team now. End the membership with the action "
                    "“End membership today”, which ends the leadership too."
                )
            )


class MentorKind(models.TextChoices):
    DEPUTY = "deputy", _("People's Congress deputy")
    EXPERT = "expert", _("Industry expert")
    TEACHER = "teacher", _("Teacher")


class MentorTeam(BilingualName):
    group = models.OneToOneField(
        ObservationGroup,
        verbose_name=_("group"),
        on_delete=models.PROTECT,
        related_name="mentor_team",
    )

    class Meta:
        verbose_name = _("mentor team")
        verbose_name_plural = _("mentor teams")


class Mentor(models.Model):
    user = models.OneToOneField(
        User,
        verbose_name=_("login"),
        on_delete=models.CASCADE,
        related_name="mentor",
        limit_choices_to={"role": Role.MENTOR},
    )
    team = models.ForeignKey(
        MentorTeam, verbose_name=_("mentor team"), on_delete=models.PROTECT, related_name="mentors"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=MentorKind.choices)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mentors",
    )
    sub_teams = models.ManyToManyField(
        SubTeam, verbose_name=_("sub-teams mentored"), related_name="mentors", blank=True
    )

    class Meta:
        verbose_name = _("mentor")
        verbose_name_plural = _("mentors")

    def __str__(self):
        return str(self.user)


# The kind of organisation each staff role works for.
STAFF_ORGANISATION_KINDS = {
    Role.SCHOOL: {OrganisationKind.SCHOOL},
    Role.COMMUNITY: {OrganisationKind.COMMUNITY, OrganisationKind.STREET},
    Role.DEPARTMENT: {OrganisationKind.DEPARTMENT},
    Role.ADMIN: {OrganisationKind.PROGRAMME_OFFICE},
}


class StaffMember(models.Model):
    """A staff login tied to the organisation it works for."""

    user = models.OneToOneField(
        User, verbose_name=_("login"), on_delete=models.CASCADE, related_name="staff"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="staff",
    )
    title = models.CharField(
        pgettext_lazy("a staff member's job", "title"), max_length=60, blank=True
    )

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")

    def __str__(self):
        return f"{self.user} · {self.organisation}"

    def clean(self):
        if not (self.user_id and self.organisation_id):
            return
        kinds = STAFF_ORGANISATION_KINDS.get(self.user.role)
        if kinds is None:
            raise ValidationError({"user": _("This login's role is not a staff role.")})
        if self.organisation.kind not in kinds:
            raise ValidationError(
                {"organisation": _("This organisation is not of the kind this role works for.")}
            )

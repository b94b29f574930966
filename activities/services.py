import logging
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from groups.models import (
    Child,
    Guardianship,
    Membership,
    Mentor,
    ObservationGroup,
    Organisation,
    OrganisationKind,
    Role,
    SubTeam,
    User,
)
from groups.permissions import is_admin
from hangzhou_cfc.errors import NotAllowed
from messaging.services import messages_queue
from suggestions.models import Suggestion
from suggestions.photos import clean_photo
from suggestions.workflow import State

from .directory import EXPIRY_WARNING, _needs_renewal
from .documents import clean_document
from .models import (
    PARTNER_KINDS,
    Activity,
    ActivityPhoto,
    Attendance,
    CalendarFeed,
    DiscussionTopic,
    PhotoConsent,
    PracticeBase,
    TrainingMaterial,
    TrainingSession,
    new_feed_token,
)
from .permissions import CORRECTION_DAYS, may_log, within_correction_window
from .selectors import mentors_own_sub_teams

logger = logging.getLogger(__name__)

MAX_MATERIALS = 10
MAX_PHOTOS = 12


def _check_materials(materials: list[UploadedFile], already: int = 0) -> list[tuple]:
    """Each upload with its safe name and content type; every refusal at once."""
    if already + len(materials) > MAX_MATERIALS:
        raise ValidationError(
            {"materials": _("A session has at most %(n)d materials.") % {"n": MAX_MATERIALS}}
        )
    checked, problems = [], []
    for upload in materials:
        try:
            checked.append((upload, *clean_document(upload)))
        except ValidationError as error:
            problems.extend(error.messages)
    if problems:
        raise ValidationError({"materials": problems})
    return checked


@contextmanager
def _files_removed_on_failure():
    """Collects the files a write saves; if the write fails, they are removed again (a rolled
    back transaction leaves no row pointing at them)."""
    saved = []
    try:
        yield saved
    except BaseException:
        for field_file in saved:
            field_file.delete(save=False)
        raise


def _attach(session: TrainingSession, user: User, checked: list[tuple], saved: list) -> None:
    for upload, name, content_type in checked:
        material = TrainingMaterial(
            session=session,
            name=name,
            content_type=content_type,
            size=upload.size,
            uploaded_by=user,
        )
        # The stored file name is the portal's own; the original name is only shown.
        material.file.save(f"material.{name.rsplit('.', 1)[-1].lower()}", upload, save=False)
        saved.append(material.file)
        material.save()


def _members_on(day: date, **where) -> set[int]:
    return set(
        Membership.objects.members().on(day).filter(**where).values_list("child_id", flat=True)
    )


def _validate(
    *, held_on: date, hours: Decimal, sub_teams, attendees: list[Child], mentors=()
) -> None:
    errors = {}
    teams = {team.pk for team in sub_teams}
    strangers = [
        str(mentor)
        for mentor in mentors
        if not teams & set(mentor.sub_teams.values_list("pk", flat=True))
    ]
    if strangers:
        errors["mentors"] = _("Not a mentor of these sub-teams: %(names)s.") % {
            "names": ", ".join(strangers)
        }
    if held_on > timezone.localdate():
        errors["held_on"] = _("A session in the future cannot be logged as held.")
    if not (0 < hours <= 24):
        errors["hours"] = _("A session lasts more than 0 and at most 24 hours.")
    if not sub_teams:
        errors["sub_teams"] = _("Choose the sub-team.")
    # Members on the day it was held: a child who has left since still attended.
    members = _members_on(held_on, sub_team__in=sub_teams)
    outsiders = [child.pseudonym for child in attendees if child.pk not in members]
    if outsiders:
        errors["attendees"] = _("Not in the sub-team on that day: %(names)s.") % {
            "names": ", ".join(outsiders)
        }
    if errors:
        raise ValidationError(errors)


def training_session_log(
    *,
    user: User,
    held_on: date,
    topic: str,
    hours: Decimal,
    sub_teams: list[SubTeam],
    attendees: list[Child],
    notes: str = "",
    materials: list[UploadedFile] = (),
    mentors: list[Mentor] = (),
) -> TrainingSession:
    """A mentor logs a session they ran for their sub-team(s), with who attended and the
    mentors who ran it (the one logging it among them, if a mentor)."""
    if not may_log(user, sub_teams):
        raise NotAllowed
    _validate(
        held_on=held_on, hours=hours, sub_teams=sub_teams, attendees=attendees, mentors=mentors
    )
    # The documents are read before the transaction, which then holds its lock only briefly.
    checked = _check_materials(list(materials))
    with _files_removed_on_failure() as saved, transaction.atomic():
        session = TrainingSession.objects.create(
            held_on=held_on, topic=topic.strip(), hours=hours, notes=notes.strip(), logged_by=user
        )
        session.sub_teams.set(sub_teams)
        session.mentors.set(mentors)
        mentor = getattr(user, "mentor", None)
        if mentor is not None:
            session.mentors.add(mentor)
        Attendance.objects.bulk_create(Attendance(session=session, child=c) for c in attendees)
        _attach(session, user, checked, saved)
    return session


def _check_mentors_correction(user, session, *, held_on, sub_teams, attendees) -> None:
    """A mentor corrects their own part: a date within the correction window, their own
    sub-teams, their own sub-teams' children. Admins correct anything."""
    if is_admin(user):
        return
    before = set(session.sub_teams.all())
    if not may_log(user, list(before ^ set(sub_teams))):
        raise NotAllowed
    errors = {}
    if not within_correction_window(held_on):
        errors["held_on"] = _(
            "A mentor may date a session at most %(days)d days back; ask the programme office."
        ) % {"days": CORRECTION_DAYS}
    present = set(session.attendances.values_list("child_id", flat=True))
    changed = present ^ {child.pk for child in attendees}
    own = _members_on(session.held_on, sub_team__mentors=user.mentor) | _members_on(
        held_on, sub_team__mentors=user.mentor
    )
    if changed - own:
        errors["attendees"] = _(
            "You may change the attendance of your own sub-teams' children only."
        )
    if errors:
        raise ValidationError(errors)


def training_session_correct(
    *,
    session: TrainingSession,
    user: User,
    held_on: date,
    topic: str,
    hours: Decimal,
    attendees: list[Child],
    sub_teams: list[SubTeam],
    notes: str = "",
    materials: list[UploadedFile] = (),
    remove_materials: list[TrainingMaterial] = (),
    mentors: list[Mentor] | None = None,
) -> TrainingSession:
    """Correct a session: its mentors within CORRECTION_DAYS of the day it was held (and not
    moving it out of that window), admins at any time."""
    if not user.has_perm("activities.correct_training", session):
        raise NotAllowed
    unchecked = list(materials)
    checked = _check_materials(unchecked) if unchecked else []
    with _files_removed_on_failure() as saved, transaction.atomic():
        session = TrainingSession.objects.select_for_update().get(pk=session.pk)
        if not user.has_perm("activities.correct_training", session):
            raise NotAllowed
        _check_mentors_correction(
            user, session, held_on=held_on, sub_teams=sub_teams, attendees=attendees
        )
        _validate(
            held_on=held_on,
            hours=hours,
            sub_teams=sub_teams,
            attendees=attendees,
            mentors=mentors or (),
        )
        removing = {m.pk for m in remove_materials if m.session_id == session.pk}
        kept = session.materials.exclude(pk__in=removing).count()
        if kept + len(checked) > MAX_MATERIALS:
            raise ValidationError(
                {"materials": _("A session has at most %(n)d materials.") % {"n": MAX_MATERIALS}}
            )
        session.held_on, session.topic, session.hours = held_on, topic.strip(), hours
        session.notes = notes.strip()
        session.save()
        session.sub_teams.set(sub_teams)
        if mentors is not None:
            session.mentors.set(mentors)
        for material in session.materials.filter(pk__in=removing):
            material.delete()  # its file goes once the transaction has committed (files.py)
        _attach(session, user, checked, saved)
        session.attendances.exclude(child__in=attendees).delete()
        present = set(session.attendances.values_list("child_id", flat=True))
        Attendance.objects.bulk_create(
            Attendance(session=session, child=c) for c in attendees if c.pk not in present
        )
    return session


def _check_links(user, suggestions, already: set[int] = frozenset()) -> str | None:
    """What is wrong with linking these suggestions, if anything. Links made before stay even
    if this user may not see their suggestion; a new link needs a suggestion the user may see
    and that its child has sent (a draft is the child's own)."""
    new = [s for s in suggestions if s.pk not in already]
    drafts = [s.pk for s in new if s.state == State.DRAFT]
    unseen = [s.pk for s in new if not user.has_perm("suggestions.see_suggestion", s)]
    if unseen:
        return _("You cannot link suggestion %(numbers)s.") % {
            "numbers": ", ".join(f"#{n}" for n in unseen)
        }
    if drafts:
        return _("Suggestion %(numbers)s has not been sent yet: link it once it is.") % {
            "numbers": ", ".join(f"#{n}" for n in drafts)
        }
    return None


def _validate_activity(
    *, user, group, fields: dict, suggestions: list[Suggestion], already: set[int] = frozenset()
) -> None:
    errors = {}
    starts_at, ends_at = fields["starts_at"], fields["ends_at"]
    if ends_at <= starts_at:
        errors["ends_at"] = _("An activity must end after it starts.")
    if not fields["place"].strip() and fields["practice_base"] is None:
        errors["place"] = _("Give the place or choose the practice base.")
    foreign = [team for team in fields["sub_teams"] if team.group_id != group.pk]
    if foreign:
        errors["sub_teams"] = _("Not a sub-team of %(group)s: %(names)s.") % {
            "group": group,
            "names": ", ".join(str(team) for team in foreign),
        }
    not_partners = [org for org in fields["partners"] if org.kind not in PARTNER_KINDS]
    if not_partners:
        errors["partners"] = _("Not a partner organisation: %(names)s.") % {
            "names": ", ".join(str(org) for org in not_partners)
        }
    # A mentor names only the sub-teams they mentor, and only their children.
    own = mentors_own_sub_teams(user, group)
    if own is not None:
        others = [team for team in fields["sub_teams"] if team not in set(own)]
        if others:
            errors["sub_teams"] = _("You mentor only your own sub-teams, not: %(names)s.") % {
                "names": ", ".join(str(team) for team in others)
            }
    attendees = fields["attendees"]
    # Members on the day it started: a child who has left since still came.
    day = timezone.localdate(starts_at)
    rows = Membership.objects.members().on(day).of_group(group).filter(child__in=attendees)
    if own is not None:
        rows = rows.filter(sub_team__in=own)
    members = set(rows.values_list("child_id", flat=True))
    outsiders = [child.pseudonym for child in attendees if child.pk not in members]
    if outsiders:
        errors["attendees"] = _("Not a member of %(group)s on that day: %(names)s.") % {
            "group": group,
            "names": ", ".join(outsiders),
        }
    if fields["children_count"] < len(attendees):
        errors["children_count"] = _(
            "At least the %(n)d registered children took part: count them too."
        ) % {"n": len(attendees)}
    problem = _check_links(user, suggestions, already)
    if problem:
        errors["suggestions"] = problem
    if errors:
        raise ValidationError(errors)


ACTIVITY_FIELDS = (
    "title",
    "kind",
    "role",
    "starts_at",
    "ends_at",
    "place",
    "practice_base",
    "children_count",
    "adults_count",
    "programme",
    "report",
)


@transaction.atomic
def activity_log(
    *,
    user: User,
    group: ObservationGroup,
    suggestions: list[Suggestion] = (),
    **fields,
) -> Activity:
    """Log an activity of a group: what, when, where, with whom, how many, what came of it."""
    if not user.has_perm("activities.log_activity", group):
        raise NotAllowed
    fields = _activity_defaults(fields)
    _validate_activity(user=user, group=group, fields=fields, suggestions=list(suggestions))
    activity = Activity(group=group, logged_by=user)
    _apply(activity, fields, suggestions)
    return activity


@transaction.atomic
def activity_change(
    *, activity: Activity, user: User, suggestions: list[Suggestion] = (), **fields
) -> Activity:
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if not user.has_perm("activities.change_activity", activity):
        raise NotAllowed
    fields = _activity_defaults(fields)
    _validate_activity(
        user=user,
        group=activity.group,
        fields=fields,
        suggestions=list(suggestions),
        already=set(activity.suggestions.values_list("pk", flat=True)),
    )
    _apply(activity, fields, suggestions)
    return activity


def _activity_defaults(fields: dict) -> dict:
    unknown = set(fields) - set(ACTIVITY_FIELDS) - {"sub_teams", "partners", "attendees"}
    if unknown:
        raise TypeError(f"unknown activity fields: {sorted(unknown)}")
    return {
        "place": "",
        "practice_base": None,
        "adults_count": 0,
        "programme": None,
        "report": "",
        "sub_teams": [],
        "partners": [],
        "attendees": [],
        **fields,
    }


def _apply(activity: Activity, fields: dict, suggestions) -> None:
    for name in ACTIVITY_FIELDS:
        value = fields[name]
        setattr(activity, name, value.strip() if isinstance(value, str) else value)
    activity.save()
    activity.sub_teams.set(fields["sub_teams"])
    activity.partners.set(fields["partners"])
    activity.attendees.set(fields["attendees"])
    activity.suggestions.set(suggestions)


def activity_photo_add(
    *,
    activity: Activity,
    user: User,
    image: UploadedFile,
    caption: str = "",
    children_shown: list[Child] = (),
) -> ActivityPhoto:
    """Add a photo to an activity's report. It is re-encoded without its metadata (before the
    transaction: it takes a while); every child shown must have been at the activity and have
    a guardian's photo consent, which is recorded with the photo."""
    if not user.has_perm("activities.change_activity", activity):
        raise NotAllowed
    try:
        cleaned = clean_photo(image)
    except ValidationError as error:
        raise ValidationError({"image": error.messages}) from error
    with _files_removed_on_failure() as saved, transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        consents = _photo_consents(activity, children_shown)
        photo = ActivityPhoto(activity=activity, caption=caption.strip(), uploaded_by=user)
        photo.image.save(cleaned.name, cleaned, save=False)
        saved.append(photo.image)
        photo.save()
        PhotoConsent.objects.bulk_create(
            PhotoConsent(
                photo=photo,
                child=child,
                guardian=consents[child.pk].guardian,
                consent_given_on=consents[child.pk].photo_consent_on,
            )
            for child in children_shown
        )
    return photo


def _photo_consents(activity: Activity, children_shown) -> dict[int, Guardianship]:
    """For each child shown, the guardianship whose photo consent covers them; or why not."""
    if activity.photos.count() >= MAX_PHOTOS:
        raise ValidationError(
            {"image": _("An activity has at most %(n)d photos.") % {"n": MAX_PHOTOS}}
        )
    present = set(activity.attendees.values_list("pk", flat=True))
    absent = [child.pseudonym for child in children_shown if child.pk not in present]
    if absent:
        raise ValidationError(
            {
                "children_shown": _("Not registered at this activity: %(names)s.")
                % {"names": ", ".join(absent)}
            }
        )
    consents = {}
    for guardianship in (
        Guardianship.objects.filter(child__in=children_shown, photo_consent_on__isnull=False)
        .order_by("child_id", "photo_consent_on")
        .select_related("guardian")
    ):
        consents.setdefault(guardianship.child_id, guardianship)
    unconsented = [c.pseudonym for c in children_shown if c.pk not in consents]
    if unconsented:
        raise ValidationError(
            {
                "children_shown": _(
                    "No guardian has agreed to photos of %(names)s: leave this photo out."
                )
                % {"names": ", ".join(unconsented)}
            }
        )
    return consents


TOPIC_PARTNER_KINDS = (OrganisationKind.UNIVERSITY, OrganisationKind.BUSINESS)


def _validate_topic(*, user, partner, raised_on, suggestions, already=frozenset()) -> None:
    errors = {}
    if partner.kind not in TOPIC_PARTNER_KINDS:
        errors["partner"] = _("Choose a university or a business.")
    if raised_on > timezone.localdate():
        errors["raised_on"] = _("A topic cannot be raised in the future.")
    problem = _check_links(user, suggestions, already)
    if problem:
        errors["suggestions"] = problem
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def discussion_topic_record(
    *,
    user: User,
    group: ObservationGroup,
    name: str,
    partner: Organisation,
    raised_on: date,
    name_en: str = "",
    summary: str = "",
    suggestions: list[Suggestion] = (),
) -> DiscussionTopic:
    """Record a topic the group discussed with a university or a business, and what came of
    it. Those who log the group's activities record its topics."""
    if not user.has_perm("activities.log_activity", group):
        raise NotAllowed
    _validate_topic(user=user, partner=partner, raised_on=raised_on, suggestions=suggestions)
    topic = DiscussionTopic.objects.create(
        group=group,
        name=name.strip(),
        name_en=name_en.strip(),
        partner=partner,
        raised_on=raised_on,
        summary=summary.strip(),
    )
    topic.suggestions.set(suggestions)
    return topic


@transaction.atomic
def discussion_topic_change(
    *,
    topic: DiscussionTopic,
    user: User,
    name: str,
    partner: Organisation,
    raised_on: date,
    name_en: str = "",
    summary: str = "",
    suggestions: list[Suggestion] = (),
) -> DiscussionTopic:
    topic = DiscussionTopic.objects.select_for_update().get(pk=topic.pk)
    if not user.has_perm("activities.log_activity", topic.group):
        raise NotAllowed
    _validate_topic(
        user=user,
        partner=partner,
        raised_on=raised_on,
        suggestions=suggestions,
        already=set(topic.suggestions.values_list("pk", flat=True)),
    )
    topic.name, topic.name_en, topic.summary = name.strip(), name_en.strip(), summary.strip()
    topic.partner, topic.raised_on = partner, raised_on
    topic.save()
    topic.suggestions.set(suggestions)
    return topic


# --- Calendar feeds -------------------------------------------------------------------------


def calendar_feed_for(sub_team: SubTeam) -> CalendarFeed:
    """The sub-team's feed, made on first need."""
    feed, created = CalendarFeed.objects.get_or_create(sub_team=sub_team)
    if created:
        logger.info("calendar feed created for sub-team %s", sub_team.pk)
    return feed


@transaction.atomic
def calendar_feed_renew(*, sub_team: SubTeam, user: User) -> CalendarFeed:
    """A new secret address for the sub-team's feed; the old one stops working at once."""
    if not user.has_perm("activities.renew_feed", sub_team):
        raise PermissionDenied
    feed, _created = CalendarFeed.objects.select_for_update().get_or_create(sub_team=sub_team)
    feed.token = new_feed_token()
    feed.save(update_fields=["token"])
    # Never log the token itself: it is the key to the feed.
    logger.info("calendar feed of sub-team %s renewed by user %s", sub_team.pk, user.pk)
    return feed


# --- The practice bases' expiry warning -------------------------------------------------------


def _admins_to_warn() -> list[User]:
    """The active admins with an address, one login per address (two logins may share it)."""
    admins = {}
    for admin in (
        User.objects.filter(Q(role=Role.ADMIN) | Q(is_superuser=True), is_active=True)
        .exclude(email="")
        .order_by("pk")
    ):
        admins.setdefault(admin.email.lower(), admin)
    return list(admins.values())


@transaction.atomic
def practice_bases_warn_expiring(*, today: date | None = None) -> int:
    """E-mail every active admin one message listing the bases whose certification expires
    within 60 days or has expired and that they have not yet been warned about; return how
    many bases it listed.

    Each expiry date is warned about once: in one transaction the bases are locked and marked
    with the date warned about (`expiry_warned_for`), and the e-mails written to the outbox
    (messaging/), so that a second run, or two runs at once, write nothing more, and a base
    renewed with a new expiry date is warned about again. The outbox sends them after the
    commit, or later if the mail server or the broker is away; the text is made then, from
    the bases' ids (activities/messages.py). With no admin to write to, nothing is marked.
    """
    today = today or timezone.localdate()
    bases = list(
        PracticeBase.objects.select_for_update(of=("self",))
        .filter(_needs_renewal(today))
        .filter(Q(expiry_warned_for__isnull=True) | ~Q(expiry_warned_for=F("expires_on")))
        .order_by("expires_on", "pk")
    )
    if not bases:
        return 0
    admins = _admins_to_warn()
    if not admins:
        logger.warning("%d practice bases expire soon and no admin has an e-mail", len(bases))
        return 0
    for base in bases:
        base.expiry_warned_for = base.expires_on
    PracticeBase.objects.bulk_update(bases, ["expiry_warned_for"])
    # One message per admin, so that no admin sees the others' addresses; in the portal's
    # default language, as the bases' names are.
    context = {"practice_bases": [base.pk for base in bases]}
    messages_queue(
        template=EXPIRY_WARNING,
        recipients=[(admin, context) for admin in admins],
        language=settings.LANGUAGE_CODE,
    )
    logger.info("warning %d admins about %d expiring practice bases", len(admins), len(bases))
    return len(bases)

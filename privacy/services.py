"""Writes of the privacy app: consent, the access log, deletion and anonymisation.

Every function checks its inputs and raises ValidationError with a message for the person
acting; nothing is written unless all of it is.
"""

import logging
from datetime import timedelta

from auditlog.context import disable_auditlog
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from groups.models import Child, ChildPersonalData, Guardianship, Membership, User
from hangzhou_cfc.effects import task_send_after_commit
from messaging.services import message_queue

from .messages import CONSENT_REQUEST
from .models import (
    AccessAction,
    Audience,
    Consent,
    ConsentMethod,
    ConsentRequest,
    DeletionReason,
    DeletionRequest,
    PersonalDataAccess,
    PrivacyNotice,
)

logger = logging.getLogger(__name__)


# --- The access log -------------------------------------------------------------------------


def access_record(*, request, child_id, action, granted, purpose="", detail=""):
    """Write one row of the access log: who (as now), which child, what for, and whether it was
    allowed. Written at once (the portal's views run without a request-wide transaction), so a
    refused attempt is kept although the request then fails."""
    user = request.user
    authenticated = user.is_authenticated
    with transaction.atomic():
        return PersonalDataAccess.objects.create(
            user_id=user.pk if authenticated else None,
            username=user.get_username() if authenticated else "",
            role=(("superuser" if user.is_superuser else user.role) if authenticated else ""),
            child_id=child_id,
            action=action,
            purpose=purpose,
            detail=detail[:200],
            granted=granted,
            path=request.path[:200],
        )


def personal_data_correct(
    *,
    request: HttpRequest,
    record: ChildPersonalData,
    real_name: str,
    contact_phone: str,
    address: str,
    purpose: str,
    detail: str = "",
) -> ChildPersonalData:
    """Correct a child's real name and contacts, and log the correction with its purpose.

    The change and its row in the access log are written together or not at all: a record is
    never changed without the log saying who did it and why."""
    with transaction.atomic():
        record.real_name = real_name
        record.contact_phone = contact_phone
        record.address = address
        record.save()
        access_record(
            request=request,
            child_id=record.child_id,
            action=AccessAction.CORRECT,
            granted=True,
            purpose=purpose,
            detail=detail,
        )
    return record


# --- Consent --------------------------------------------------------------------------------


def _locked_child(pk):
    # Only the child's row is locked (its login is an outer join, which PostgreSQL will not
    # lock).
    return Child.objects.select_for_update(of=("self",)).select_related("user").get(pk=pk)


def _sync_login(child):
    """A child's login is active exactly while a guardian's consent is in force."""
    if child.user_id is None:
        return
    active = child.anonymised_at is None and child.consents.filter(withdrawn_at=None).exists()
    if child.user.is_active != active:
        child.user.is_active = active
        child.user.save(update_fields=["is_active"])  # a save: the audit trail records it


def _check_child_open(child):
    if child.anonymised_at is not None:
        raise ValidationError(_("This child's data has been deleted; nothing more can be done."))
    if child.deletion_requests.filter(done_at=None).exists():
        raise ValidationError(_("Deletion of this child's data is already on its way."))


def consent_give(*, child, guardian, notice, method, given_at, recorded_by=None):
    """Record a guardian's consent and open the child's login."""
    errors = []
    if not Guardianship.objects.filter(child=child, guardian=guardian).exists():
        errors.append(_("This person is not recorded as the child's guardian."))
    if notice.audience != Audience.GUARDIANS:
        errors.append(_("Choose a version of the notice for guardians."))
    now = timezone.now()
    if given_at > now:
        errors.append(_("Consent cannot be given in the future."))
    elif notice != PrivacyNotice.objects.in_force(notice.audience, timezone.localdate(given_at)):
        errors.append(
            _(
                "Version %(version)s of the notice was not the one in force on that day: "
                "choose the version the guardian signed."
            )
            % {"version": notice.version}
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        child = _locked_child(child.pk)
        _check_child_open(child)
        if child.consents.filter(guardian=guardian, withdrawn_at=None).exists():
            raise ValidationError(_("This guardian's consent for this child is already recorded."))
        consent = Consent.objects.create(
            child=child,
            guardian=guardian,
            notice=notice,
            method=method,
            given_at=given_at,
            recorded_by=recorded_by,
        )
        _sync_login(child)
    return consent


@transaction.atomic
def consent_request_send(*, guardianship, sent_by):
    """E-mail the guardian a link that records their consent; the link works once.

    The request and its e-mail are written in one transaction; the outbox (messaging/) sends
    the e-mail after the commit, or later if the mail server or the broker is away. Only a
    hash of the link's secret is kept with the request, so the e-mail's message keeps the
    secret itself until it is sent, encrypted with the personal-data keys; the text is made
    when sending (privacy/messages.py).
    """
    guardianship = Guardianship.objects.select_related("guardian__user", "child").get(
        pk=guardianship.pk
    )
    login = guardianship.guardian.user
    if not login.email:
        raise ValidationError(
            _(
                "This guardian has no e-mail address. Add one to their login, or record the "
                "consent they signed on paper."
            )
        )
    if not login.is_active:
        # The outbox writes to no closed login: say so now, not by an e-mail that never goes.
        raise ValidationError(
            _(
                "This guardian's login is closed. Open it again in the administration pages, "
                "or record the consent they signed on paper."
            )
        )
    _check_child_open(guardianship.child)
    if guardianship.child.consents.filter(guardian=guardianship.guardian, withdrawn_at=None):
        raise ValidationError(_("This guardian's consent for this child is already recorded."))
    token, token_hash = ConsentRequest.new_token()
    now = timezone.now()
    request = ConsentRequest.objects.create(
        guardianship=guardianship,
        token_hash=token_hash,
        sent_to=login.email,
        sent_by=sent_by,
        created_at=now,
        expires_at=now + timedelta(days=settings.CONSENT_LINK_DAYS),
    )
    # The link carries the secret: it is never logged or passed to a task.
    message_queue(
        recipient=login,
        template=CONSENT_REQUEST,
        context={"consent_request": request.pk},
        secret=token,
    )
    return request


def link_problem(request):
    """Why a consent link cannot be used (not valid, used, expired), or None."""
    if request is None:
        return _("This link is not valid. Ask the programme office for a new one.")
    if request.used_at is not None:
        return _("This link has already been used. Each link records consent once.")
    if request.expired:
        return _("This link has expired. Ask the programme office to send you a new one.")
    return None


def notice_agreed_to(notice_version):
    """The guardians' notice in force, if it is the version the guardian read and agreed to."""
    notice = PrivacyNotice.objects.in_force(Audience.GUARDIANS)
    if notice is None or notice.version != notice_version:
        raise ValidationError(
            _(
                "The notice changed while you were reading it. Read the version shown now "
                "and agree again."
            )
        )
    return notice


def consent_give_by_link(*, token, notice_version):
    """The guardian followed the e-mailed link and agreed to the notice they were shown."""
    with transaction.atomic():
        request = ConsentRequest.objects.for_token(token).select_for_update(of=("self",)).first()
        problem = link_problem(request)
        if problem:
            raise ValidationError(problem)
        notice = notice_agreed_to(notice_version)
        request.used_at = timezone.now()
        request.save(update_fields=["used_at"])
        return consent_give(
            child=request.guardianship.child,
            guardian=request.guardianship.guardian,
            notice=notice,
            method=ConsentMethod.LINK,
            given_at=request.used_at,
        )


def consent_withdraw(*, child, guardian_user):
    """The guardian withdraws consent: the login closes and deletion is scheduled."""
    guardian = guardian_user.guardian
    with transaction.atomic():
        child = _locked_child(child.pk)
        withdrawn = child.consents.filter(guardian=guardian, withdrawn_at=None).update(
            withdrawn_at=timezone.now()
        )
        if not withdrawn:
            raise ValidationError(_("You have no consent in force for this child to withdraw."))
        return _deletion_schedule(child, guardian_user, DeletionReason.WITHDRAWAL)


def photo_consent_set(*, child, guardian, given: bool, today=None) -> Guardianship:
    """The guardian allows photos of their child in activities' reports, or takes it back.

    Given again, the first date stays: it is the date the permission has held since. The
    change is written with `save()`, so that the audit trail keeps who changed it and when.
    """
    with transaction.atomic():
        link = (
            Guardianship.objects.select_for_update()
            .filter(child_id=child.pk, guardian_id=guardian.pk)
            .first()
        )
        if link is None:
            raise ValidationError(_("You are not linked to this child."))
        if given and link.photo_consent_on is None:
            link.photo_consent_on = today or timezone.localdate()
        elif not given:
            link.photo_consent_on = None
        link.save(update_fields=["photo_consent_on"])
        return link


def deletion_request(*, child, guardian_user):
    """The guardian asks for their child's personal data to be deleted."""
    with transaction.atomic():
        child = _locked_child(child.pk)
        return _deletion_schedule(child, guardian_user, DeletionReason.REQUEST)


def _deletion_schedule(child, guardian_user, reason):
    _check_child_open(child)
    request = DeletionRequest.objects.create(child=child, requested_by=guardian_user, reason=reason)
    # The login closes now; the worker removes the data at once (and the nightly sweep
    # catches it if the broker was down).
    if child.user_id and child.user.is_active:
        child.user.is_active = False
        child.user.save(update_fields=["is_active"])
    from .tasks import deletion_request_carry_out

    task_send_after_commit(deletion_request_carry_out, request.pk)
    return request


def deletion_request_carry_out(*, request_id):
    """Carry out a guardian's deletion request at once (the worker, after the commit). A request
    done meanwhile (by the nightly sweep, or a redelivered task) is left alone: False."""
    request = DeletionRequest.objects.filter(pk=request_id, done_at=None).first()
    if request is None:
        return False
    return child_anonymise(child_id=request.child_id)


# --- Retention and deletion -----------------------------------------------------------------


def child_anonymise(*, child_id):
    """Remove a child's personal data; keep what the programme did with their ideas.

    Deleted: the real name and contacts, the login's name, e-mail and password, the links to
    guardians, photos in which the child can be seen, and their notifications. Kept, under a
    placeholder instead of the pseudonym: their suggestions (shown as by a former observer),
    memberships and attendance (counts), consents (the proof of consent) and the access log.
    Safe to run twice.
    """
    from activities.models import ActivityPhoto
    from suggestions.models import Notification

    with transaction.atomic(), disable_auditlog():
        child = _locked_child(child_id)
        if child.anonymised_at is not None:
            return False
        now = timezone.now()
        old_names = {child.pseudonym}
        if child.user_id:
            old_names |= {child.user.username, child.user.display_name}
        _forget_in_the_trails(child, old_names - {""})
        ChildPersonalData.objects.filter(child=child).delete()
        for photo in ActivityPhoto.objects.filter(consents__child=child).distinct():
            photo.delete()  # its file goes after commit (activities/files.py)
        Guardianship.objects.filter(child=child).delete()
        child.pseudonym = former_observer_placeholder(child.pk)
        child.anonymised_at = now
        child.left_on = child.left_on or timezone.localdate(now)
        child.save(update_fields=["pseudonym", "anonymised_at", "left_on"])
        if child.user_id:
            user = child.user
            Notification.objects.filter(recipient=user).delete()
            user.username = f"former-observer-{child.pk}"
            user.display_name = child.pseudonym
            user.email = ""
            user.password = make_password(None)
            user.is_active = False
            user.save()
        DeletionRequest.objects.filter(child=child, done_at=None).update(done_at=now)
    return True


def _forget_in_the_trails(child, old_names):
    """Rewrite the audit trail's entries that name the child (their pseudonym, login name and
    display name) with the placeholder, and delete the login's entries in django-axes' logs."""
    from auditlog.models import LogEntry
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.contrib.contenttypes.models import ContentType

    placeholder = former_observer_placeholder(child.pk)

    def scrub(value):
        if isinstance(value, str):
            for name in old_names:
                value = value.replace(name, placeholder)
            return value
        if isinstance(value, list):
            return [scrub(item) for item in value]
        if isinstance(value, dict):
            return {key: scrub(item) for key, item in value.items()}
        return value

    types = ContentType.objects.get_for_models(User, Guardianship, Membership)
    about = [
        (types[Guardianship], child.guardianship_set.values_list("pk", flat=True)),
        (types[Membership], child.memberships.values_list("pk", flat=True)),
    ]
    if child.user_id:
        about.append((types[User], [child.user_id]))
    for content_type, pks in about:
        entries = LogEntry.objects.filter(
            content_type=content_type, object_pk__in=[str(pk) for pk in pks]
        )
        for entry in entries:
            entry.object_repr = scrub(entry.object_repr)
            entry.changes = scrub(entry.changes)
            entry.changes_text = ""
            entry.serialized_data = None
            entry.save(update_fields=["object_repr", "changes", "changes_text", "serialized_data"])
    if child.user_id:
        username = child.user.username
        for model in (AccessLog, AccessFailureLog, AccessAttempt):
            model.objects.filter(username=username).delete()


def former_observer_placeholder(child_id):
    """What stands for an anonymised child: in both languages, since it is stored once."""
    return f"前观察员 former observer #{child_id}"


def anonymise_due(*, today=None):
    """Anonymise every child whose retention period has run out, and every child whose
    guardian asked for deletion. Returns how many were anonymised."""
    today = today or timezone.localdate()
    cutoff = today - timedelta(days=settings.PERSONAL_DATA_RETENTION_DAYS)
    due = set(
        Child.objects.filter(anonymised_at=None, left_on__lte=cutoff).values_list("pk", flat=True)
    )
    due |= set(DeletionRequest.objects.filter(done_at=None).values_list("child_id", flat=True))
    done = 0
    for child_id in sorted(due):
        # One child that cannot be anonymised must not hold up the others.
        try:
            done += child_anonymise(child_id=child_id)
        except Exception:
            logger.exception("child %s could not be anonymised", child_id)
    return done
